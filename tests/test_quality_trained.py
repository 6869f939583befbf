"""What the pipeline says, judged: ``newsdigest run`` with the models trained in this repo
(devtools/models, configs/trained-local.yaml) on held-out articles of the synthetic news grammar.

Every translation and summary has a known right answer here, so a bug that garbles text without
changing its shape (a lost ``</s>``, sentences restored out of order, a cut generation limit) fails these
tests. Targets (issue 22): at least 95% of sentences exactly right and chrF >= 95 for translations, at
least 95% of summaries exactly the expected lead sentences, on both backends and at beam 1 and beam 4.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.quality import SETUPS, run_trained

pytestmark = pytest.mark.timeout(900)


@pytest.mark.parametrize("beams", [1, 4])
@pytest.mark.parametrize("setup", list(SETUPS))
def test_the_trained_models_translate_and_summarise_held_out_articles(
    setup: str, beams: int, tmp_path: Path
) -> None:
    judged, records = run_trained(tmp_path, SETUPS[setup], beams)
    report = "\n".join(judged.wrong[:20])
    assert judged.sentence_share >= 0.95, report
    assert judged.chrf() >= 95.0, report
    assert judged.summary_share >= 0.95, report
    # Right outputs raise no faithfulness flag: the guards make no false alarm on correct text.
    assert judged.false_alarms == ()
    # summary.output_languages: [es]: every article also has both summaries in Spanish. (The
    # English->Spanish model is not exact enough for a target; benchmarks/trained_quality.py reports it.)
    for record in records:
        assert {s["kind"] for s in record["summaries"] if s["language"] == "es"} == {"short", "long"}
    # Every record says which backend wrote it; the summaries are BART's (no extractive fallback, which
    # would write the same lead and hide a broken summarizer).
    expected = {(SETUPS[setup]["backend"], SETUPS[setup].get("compute_type"))}
    used = {(m["backend"], m["compute_type"]) for r in records for m in r["translation"]["models"]}
    assert used == expected
    english = [s for r in records for s in r["summaries"] if s["language"] == "en"]
    assert {s["method"] for s in english} == {"seq2seq"}
    assert {(s["model"]["backend"], s["model"]["compute_type"]) for s in english} == expected
    # The long article is more than the summarizer reads: map-reduce wrote its summaries.
    assert max(s["chunks"] for s in english) > 1
