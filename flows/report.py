"""The run report a flow run publishes as Prefect artifacts: counts, failures, timings and models.

Plain functions over the manifest and the processed records, so they are tested without Prefect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipelines import FINAL_STATUSES, Record, RunManifest

_MAX_FAILURE_ROWS = 200
"""A report lists at most this many failures (the manifest in the store lists them all)."""


@dataclass
class StepTiming:
    step: str
    articles: int
    total_s: float

    @property
    def mean_s(self) -> float:
        return self.total_s / self.articles if self.articles else 0.0


@dataclass
class RunReport:
    run_id: str
    store_url: str | None = None
    config_file: str | None = None
    """The config file the run read; None: the embedded defaults."""
    config_hash: str | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """language -> status -> articles."""
    failures: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(article id, origin, status, reason)."""
    timings: list[StepTiming] = field(default_factory=list)
    models: dict[str, list[str]] = field(default_factory=dict)
    """role (translation:fr-en, summary:short) -> model sources used."""


def build_report(
    manifest: RunManifest,
    records: Sequence[Record],
    *,
    store_url: str | None = None,
    config_file: str | None = None,
) -> RunReport:
    report = RunReport(
        manifest.run_id,
        store_url=store_url,
        config_file=config_file,
        config_hash=manifest.signature.config_hash,
    )
    for entry in manifest.entries:
        by_status = report.counts.setdefault(entry.language or "und", {})
        by_status[entry.status] = by_status.get(entry.status, 0) + 1
        if entry.status in ("failed", "skipped"):
            report.failures.append((entry.article_id, entry.origin, entry.status, entry.reason or ""))
    totals: dict[str, float] = {}
    articles: Counter[str] = Counter()
    models: dict[str, set[str]] = {}
    for record in records:
        for step, seconds in record.timings.items():
            totals[step] = totals.get(step, 0.0) + seconds
            articles[step] += 1
        refs = list(record.translation.models) if record.translation else []
        refs += [summary.model for summary in record.summaries if summary.model is not None]
        for ref in refs:
            models.setdefault(ref.role, set()).add(ref.source)
    report.timings = [StepTiming(step, articles[step], totals[step]) for step in sorted(totals)]
    report.models = {role: sorted(sources) for role, sources in sorted(models.items())}
    return report


def counts_table(report: RunReport) -> list[dict[str, object]]:
    """One row per language with a column per status: the table artifact."""
    return [
        {"language": language, **{status: by_status.get(status, 0) for status in FINAL_STATUSES}}
        for language, by_status in sorted(report.counts.items())
    ]


def render_markdown(report: RunReport) -> str:
    lines = [f"# newsdigest run {report.run_id}", ""]
    if report.store_url is not None:
        lines.append(f"- store: `{_cell(report.store_url)}`")
    config = _cell(report.config_file) if report.config_file else "embedded defaults"
    lines += [f"- config: `{config}` (hash `{report.config_hash}`)", "", "## Articles", ""]
    lines += ["| language | " + " | ".join(FINAL_STATUSES) + " |", "|---" * (len(FINAL_STATUSES) + 1) + "|"]
    for row in counts_table(report):
        lines.append("| " + " | ".join(str(value) for value in row.values()) + " |")
    lines += ["", f"## Not published ({len(report.failures)})", ""]
    if report.failures:
        lines += ["| article | input | status | reason |", "|---|---|---|---|"]
        for article_id, origin, status, reason in report.failures[:_MAX_FAILURE_ROWS]:
            lines.append(f"| `{article_id}` | {_cell(origin)} | {status} | {_cell(reason)} |")
        if len(report.failures) > _MAX_FAILURE_ROWS:
            lines.append(f"\n…and {len(report.failures) - _MAX_FAILURE_ROWS} more (see the run manifest)")
    else:
        lines.append("none")
    lines += ["", "## Step timings", "", "| step | articles | total s | mean s |", "|---|---|---|---|"]
    for timing in report.timings:
        lines.append(f"| {timing.step} | {timing.articles} | {timing.total_s:.3f} | {timing.mean_s:.4f} |")
    lines += ["", "## Models", ""]
    lines += [f"- {role}: {', '.join(sources)}" for role, sources in report.models.items()] or ["none"]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:300]
