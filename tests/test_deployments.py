"""The served deployments and flows/prefect.yaml agree: one definition of schedule, timezone, concurrency
limit, parameters, tags and descriptions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flows.serve import PREFECT_YAML, deployment_specs, deployments


def _declared() -> dict[str, dict[str, Any]]:
    """The deployments as Prefect's own loader reads the file (anchors and merge keys resolved)."""
    document = yaml.safe_load(PREFECT_YAML.read_text())
    return {entry["name"]: entry for entry in document["deployments"]}


def test_served_deployments_match_prefect_yaml() -> None:
    declared = _declared()
    served = {deployment.name: deployment for deployment in deployments()}
    assert set(served) == set(declared) == {"hourly", "manual"}
    for name, deployment in served.items():
        entry = declared[name]
        assert deployment.parameters == entry["parameters"], name
        assert deployment.concurrency_limit == entry.get("concurrency_limit"), name
        assert deployment.tags == entry["tags"] and deployment.description == entry["description"], name
        assert deployment.entrypoint == entry["entrypoint"], name
        schedules = [{"cron": s.schedule.cron, "timezone": s.schedule.timezone} for s in deployment.schedules]
        declared_schedules = [
            {"cron": s["cron"], "timezone": s["timezone"]} for s in entry.get("schedules") or []
        ]
        assert schedules == declared_schedules, name
    hourly = served["hourly"]
    assert hourly.concurrency_limit == 1 and hourly.schedules[0].schedule.timezone == "UTC"
    assert hourly.schedules[0].schedule.cron == "0 * * * *"


def test_the_placeholder_schedule_never_runs_live() -> None:
    # `prefect deploy --all` registers the file as shipped: its hourly schedule reads a placeholder inbox,
    # so the file marks it inactive, and serving the file as shipped registers it paused.
    hourly = _declared()["hourly"]
    assert hourly["parameters"]["paths"] == ["s3://newsroom-inbox/incoming/"]
    assert [schedule["active"] for schedule in hourly["schedules"]] == [False]
    served = {d.name: d for d in deployments()}
    assert served["hourly"].paused is True and served["manual"].paused is False
    # naming what the hourly run reads is what makes it run
    assert {d.name: d.paused for d in deployments(paths=["/data/in"])}["hourly"] is False


def test_the_deployments_ship_in_the_package() -> None:
    # A plain `pip install .` must be able to serve: the file is package data of `flows`.
    import tomllib

    assert PREFECT_YAML.parent == Path(__file__).resolve().parent.parent / "flows"
    project = tomllib.loads((PREFECT_YAML.parent.parent / "pyproject.toml").read_text())
    assert "prefect.yaml" in project["tool"]["setuptools"]["package-data"]["flows"]


def test_the_deployments_read_the_embedded_defaults() -> None:
    # A relative config_file would be read from wherever the process was started.
    for deployment in deployments():
        assert deployment.parameters["config_file"] is None, deployment.name


def test_the_manual_deployment_has_no_deprecated_empty_schedule_list() -> None:
    # Prefect 3.9 warns (FutureWarning) on redeploying with `schedules: []`; null means "no schedule".
    assert "schedules: []" not in PREFECT_YAML.read_text()
    assert _declared()["manual"]["schedules"] is None


def test_command_line_values_override_the_file_for_this_process_only() -> None:
    served = {
        d.name: d
        for d in deployments("/etc/newsdigest.yaml", ["/data/in"], cron="*/5 * * * *", store_url="s3://b/p")
    }
    hourly, manual = served["hourly"], served["manual"]
    assert hourly.parameters == {
        "config_file": "/etc/newsdigest.yaml",
        "store_url": "s3://b/p",
        "paths": ["/data/in"],
    }
    assert manual.parameters == {"config_file": "/etc/newsdigest.yaml", "store_url": "s3://b/p"}
    assert hourly.schedules[0].schedule.cron == "*/5 * * * *" and manual.schedules == []
    assert hourly.schedules[0].schedule.timezone == "UTC" and hourly.concurrency_limit == 1
    assert _declared()["hourly"]["schedules"][0]["cron"] == "0 * * * *"


def test_a_deployment_with_no_paths_is_served_paused(tmp_path: Path) -> None:
    text = (
        PREFECT_YAML.read_text()
        .replace("active: false", "active: true")
        .replace("s3://newsroom-inbox/incoming/", "")
        .replace("      paths:\n        -", "      paths: []\n        #")
    )
    copy = tmp_path / "prefect.yaml"
    copy.write_text(text)
    specs = deployment_specs(copy)
    assert specs["hourly"].parameters["paths"] == []
    (hourly,) = [d for d in deployments(specs=specs) if d.name == "hourly"]
    assert hourly.paused is True


def test_serving_without_paths_registers_the_schedule_paused() -> None:
    default = {d.name: d for d in deployments(paused=True)}
    assert default["hourly"].paused is True and default["manual"].paused is False
    assert default["hourly"].parameters == _declared()["hourly"]["parameters"]
    assert {d.name: d.paused for d in deployments(paths=["/data/in"])} == {"hourly": False, "manual": False}
