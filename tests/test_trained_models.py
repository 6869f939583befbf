"""The training recipe of devtools/train_models.py repeats: a few steps from the fixed seed give the
recorded loss (devtools/models/reproduction.json, written by ``--record-reproduction`` or
:func:`devtools.train_models.record_reproduction`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devtools import train_models

RECORDED = train_models.MODELS_DIR / "reproduction.json"


@pytest.mark.parametrize("name", sorted(train_models.RECIPES))
def test_retraining_a_few_steps_matches_the_recorded_loss(name: str, tmp_path: Path) -> None:
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert recorded["steps"] == train_models.REPRODUCTION_STEPS
    loss = train_models.reproduction_loss(name, tmp_path)
    # One thread and deterministic algorithms: only float summation order across builds can differ.
    assert loss == pytest.approx(recorded["losses"][name], rel=1e-3)
