"""The served deployments and infra/prefect.yaml agree: one definition of schedule, timezone, concurrency
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
        schedules = [
            {"cron": s.schedule.cron, "timezone": s.schedule.timezone, "active": s.active}
            for s in deployment.schedules
        ]
        assert schedules == (entry.get("schedules") or []), name
    hourly = served["hourly"]
    assert hourly.concurrency_limit == 1 and hourly.schedules[0].schedule.timezone == "UTC"
    assert hourly.schedules[0].schedule.cron == "0 * * * *"


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
