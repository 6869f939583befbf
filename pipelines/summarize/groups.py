"""Which requests are summarised together, and with which specs.

Requests in one language whose short and long specs are both seq2seq with the same model form one
group with both specs, so the model can share work between the two kinds (see
:mod:`pipelines.summarize.seq2seq`); otherwise each kind is a group of its own. Groups are keyed by the
full specs, so requests in one group are summarised identically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, get_args

from pipelines.records import Summary
from pipelines.summarize.base import Summarizer, SummaryRequest
from pipelines.summarize.config import SummaryConfig, SummaryKind, SummarySpec

KINDS: tuple[SummaryKind, ...] = get_args(SummaryKind)


class MultiKindSummarizer(Protocol):
    def summarize_kinds(
        self, texts: Sequence[str], specs: Mapping[SummaryKind, SummarySpec], language: str
    ) -> dict[SummaryKind, list[Summary]]: ...


def _shares_model(specs: Mapping[SummaryKind, SummarySpec]) -> bool:
    models = {(spec.method, spec.model, spec.revision) for spec in specs.values()}
    return len(models) == 1 and next(iter(models))[0] == "seq2seq"


def summary_groups(
    config: SummaryConfig, requests: Sequence[SummaryRequest], errors: Sequence[str | None]
) -> list[tuple[str, dict[SummaryKind, SummarySpec], list[int]]]:
    """``(language, specs by kind, request indices)`` for every request without an error yet."""
    groups: dict[tuple[str, str], tuple[str, dict[SummaryKind, SummarySpec], list[int]]] = {}
    for index, request in enumerate(requests):
        if errors[index] is not None:
            continue
        specs = {kind: config.spec_for(kind, request.language) for kind in KINDS}
        parts = [specs] if _shares_model(specs) else [{kind: spec} for kind, spec in specs.items()]
        for part in parts:
            key = (
                request.language,
                "|".join(f"{kind}={spec.model_dump_json()}" for kind, spec in part.items()),
            )
            groups.setdefault(key, (request.language, part, []))[2].append(index)
    return list(groups.values())


def summarize_kinds(
    summarizer: Summarizer, texts: Sequence[str], specs: Mapping[SummaryKind, SummarySpec], language: str
) -> dict[SummaryKind, list[Summary]]:
    """Every kind in ``specs`` for ``texts``: in one call where the summarizer can, else kind by kind."""
    if len(specs) > 1 and hasattr(summarizer, "summarize_kinds"):
        multi: MultiKindSummarizer = summarizer  # type: ignore[assignment]
        return multi.summarize_kinds(texts, specs, language)
    return {kind: summarizer.summarize(texts, spec, language, kind=kind) for kind, spec in specs.items()}
