"""The ``flow:`` section of the configuration: how the Prefect flow runs its batch tasks.

The plain-Python pipeline never looks at it; the root configuration carries it as an opaque mapping and
this module validates it, with the same kind of messages as the rest of the configuration.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationError

from pipelines import Config, ConfigError, StrictModel

TaskRunnerKind = Literal["threads", "dask"]


class FlowConfig(StrictModel):
    """How the Prefect flow runs its batch tasks (read by ``flows/``; the stages never look at it)."""

    task_runner: TaskRunnerKind = Field(
        default="threads", description="threads: in the flow's process; dask: on a Dask cluster"
    )
    max_workers: int = Field(default=2, ge=1, description="threads of the thread-pool task runner")
    dask_address: str | None = Field(
        default=None, description="scheduler address (tcp://host:8786); none starts a LocalCluster"
    )
    dask_workers: int = Field(default=2, ge=1, description="LocalCluster worker processes")
    dask_threads_per_worker: int = Field(default=1, ge=1)
    fail_above: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="the flow run ends Failed when every input failed or more than this share did",
    )


def flow_settings(config: Config) -> FlowConfig:
    """The validated ``flow`` section of ``config``; a bad one is a :class:`ConfigError`."""
    try:
        return FlowConfig.model_validate(config.flow)
    except ValidationError as exc:
        problems = "; ".join(
            f"flow.{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            f" (got {error.get('input')!r})"
            for error in exc.errors()
        )
        raise ConfigError(f"invalid flow settings: {problems}") from None
