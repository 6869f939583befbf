"""The summary engine: short and long summaries for a batch of articles, in every output language.

Per request and kind (short, long) the language's spec chooses the method; requests that share a spec are
summarised together, so a seq2seq model runs batched across articles and is loaded once per process
through the model cache. When both kinds use the same seq2seq model they form one group, so the model can
share work between them (:mod:`pipelines.summarize.groups`). Every summary passes the guards; with
``on_unfaithful: fallback`` a generated summary the faithfulness guards flag is replaced by the
``fallback_method`` summary, which keeps the flags and says why in ``fallback_reason``. Extra
``output_languages`` are produced by translating the summaries with the injected translation callable
(the translation engine's batch interface), so the summary engine never loads translation models itself.

An outcome is all or nothing: either every summary the request needs (both kinds, every language), or
``error`` and no summaries, so a record never carries half a set. One request's failure never affects
the others, except that a :class:`~pipelines.deadline.Deadline` (the article time budget), once past,
fails every request of the group still being summarised.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol, get_args

from pipelines.errors import ConfigError, MissingDependency, ModelUnavailable, TimeBudgetExceeded
from pipelines.faithfulness import UNFAITHFUL_FLAGS
from pipelines.isolation import isolating
from pipelines.models import ModelCache, ModelResolver
from pipelines.models.config import ModelsConfig
from pipelines.records import ModelRef, Summary
from pipelines.summarize.base import Summarizer, SummaryOutcome, SummaryRequest
from pipelines.summarize.config import SummaryConfig, SummaryKind, SummarySpec
from pipelines.summarize.extractive import LeadSummarizer, TextRankSummarizer
from pipelines.summarize.groups import summarize_kinds, summary_groups
from pipelines.summarize.guards import FLAG_EMPTY, check_summary, trim_to_budget
from pipelines.summarize.seq2seq import Seq2SeqSummarizer, get_seq2seq
from pipelines.translate.base import TranslationOutcome, TranslationRequest

if TYPE_CHECKING:
    from pipelines.deadline import Deadline


class Translate(Protocol):
    """The translation engine's batch interface (:meth:`TranslationEngine.translate`)."""

    def __call__(
        self, requests: Sequence[TranslationRequest], *, deadline: Deadline | None = None
    ) -> list[TranslationOutcome]: ...


KINDS: tuple[SummaryKind, ...] = get_args(SummaryKind)
TRANSLATED = "translated"


class SummaryEngine:
    """Writes the summaries of a batch of :class:`SummaryRequest`; see the module docstring."""

    def __init__(
        self,
        config: SummaryConfig,
        models: ModelsConfig,
        resolver: ModelResolver,
        cache: ModelCache,
        translate: Translate | None = None,
    ) -> None:
        if config.output_languages and translate is None:
            raise ConfigError(
                f"summary.output_languages is {config.output_languages} but the summary engine was given no "
                "translation callable; pass the translation engine's translate, or empty the list"
            )
        self.config = config
        self.models = models
        self.resolver = resolver
        self.cache = cache
        self.translate = translate
        self._load_failures: dict[tuple[str, str | None], ModelUnavailable] = {}

    def preflight(self, languages: Iterable[str]) -> dict[str, str]:
        """Resolve (without loading) every seq2seq model these languages need; report what cannot run.

        Returns ``{"<kind>:<language>": note}`` for each kind whose model is unavailable. With a
        ``fallback_method`` the note says the kind will fall back to it, which model failed and why; with
        ``fallback_method: none`` the note starts with ``FAILS:``, because those summaries, and so those
        articles, will fail. An empty dict means every configured model resolved.
        """
        notes: dict[str, str] = {}
        for language in sorted(set(languages)):
            for kind in KINDS:
                spec = self.config.spec_for(kind, language)
                if spec.method != "seq2seq":
                    continue
                try:
                    self.resolver.resolve(spec.model or "", spec.revision)
                except ModelUnavailable as exc:
                    notes[f"{kind}:{language}"] = self._unavailable_note(kind, language, exc)
        return notes

    def summarize(
        self, requests: Sequence[SummaryRequest], *, deadline: Deadline | None = None
    ) -> list[SummaryOutcome]:
        """One outcome per request, in order: short and long summaries in the request's language, then
        both kinds in every other ``output_languages`` language (method ``translated``).

        With a ``deadline``, the requests still being summarised when it passes fail with its reason."""
        results: list[list[Summary]] = [[] for _ in requests]
        errors: list[str | None] = [None] * len(requests)
        for index, request in enumerate(requests):
            if not request.text.strip():
                errors[index] = "nothing to summarise: the article text is empty"
        for language, specs, indices in summary_groups(self.config, requests, errors):
            self._summarize_group(specs, language, indices, requests, results, errors, deadline)
        for summaries in results:
            summaries.sort(key=lambda summary: KINDS.index(summary.kind))
        self._translate_summaries(requests, results, errors, deadline)
        return [
            SummaryOutcome(request.key, error=error)
            if error is not None
            else SummaryOutcome(request.key, summaries=summaries)
            for request, summaries, error in zip(requests, results, errors, strict=True)
        ]

    def _summarize_group(
        self,
        specs: dict[SummaryKind, SummarySpec],
        language: str,
        indices: list[int],
        requests: Sequence[SummaryRequest],
        results: list[list[Summary]],
        errors: list[str | None],
        deadline: Deadline | None,
    ) -> None:
        kind = "/".join(specs)
        fallback_reason: str | None = None
        try:
            summarizer = self._summarizer_for(next(iter(specs.values())), deadline)
        except (ModelUnavailable, MissingDependency) as exc:
            if self.config.fallback_method == "none":
                for index in indices:
                    errors[index] = f"{kind} summary: {exc} (summary.fallback_method is 'none')"
                return
            summarizer = self._extractive(self.config.fallback_method)
            fallback_reason = f"{exc}; used {summarizer.method} instead"

        def step(group: Sequence[int]) -> None:
            try:
                by_kind = summarize_kinds(
                    summarizer, [requests[index].text for index in group], specs, language
                )
            except TimeBudgetExceeded as exc:
                # Not a fault to isolate: one at a time, every article would fail the same way, only later.
                for index in group:
                    errors[index] = str(exc)
                return
            for each_kind, summaries in by_kind.items():
                self._keep_guarded(
                    group, summaries, language, specs[each_kind], requests, results, fallback_reason
                )

        def fail(index: int, exc: Exception) -> None:
            errors[index] = f"{kind} summary failed: {type(exc).__name__}: {exc}"

        isolating(indices, step, fail, what=f"{kind} summary")

    def _keep_guarded(
        self,
        indices: Sequence[int],
        summaries: Sequence[Summary],
        language: str,
        spec: SummarySpec,
        requests: Sequence[SummaryRequest],
        results: list[list[Summary]],
        fallback_reason: str | None,
    ) -> None:
        """Append each summary, after the guards, to its request's results."""
        for index, summary in zip(indices, summaries, strict=True):
            guarded = self._guarded(summary, requests[index].text, language, spec, fallback_reason)
            if self.config.on_unfaithful == "fallback":
                guarded = self._replace_unfaithful(guarded, requests[index].text, language, spec)
            results[index].append(guarded)

    def _guarded(
        self, summary: Summary, source: str, language: str, spec: SummarySpec, fallback_reason: str | None
    ) -> Summary:
        guarded = check_summary(
            summary.text,
            source,
            language=language,
            max_words=spec.max_words,
            ngram_size=self.config.repetition_ngram,
            max_repeats=self.config.repetition_max,
        )
        return summary.model_copy(
            update={
                "text": guarded.text,
                "flags": summary.flags + guarded.flags,
                "fallback_reason": fallback_reason,
            }
        )

    def _replace_unfaithful(self, summary: Summary, source: str, language: str, spec: SummarySpec) -> Summary:
        """The ``fallback_method`` summary instead of a generated one the faithfulness guards flagged.

        Extractive summaries are kept as they are: their sentences come from the source. The replacement
        carries the faithfulness flags, so a reader sees why it is there, and its own guard flags."""
        unfaithful = [flag for flag in summary.flags if flag in UNFAITHFUL_FLAGS]
        if not unfaithful or summary.method != Seq2SeqSummarizer.method:
            return summary
        fallback = self._extractive(self.config.fallback_method)
        (extractive,) = fallback.summarize([source], spec, language, kind=summary.kind)
        reason = (
            f"the {summary.method} summary had {' and '.join(unfaithful)}; used {fallback.method} instead"
        )
        replaced = self._guarded(extractive, source, language, spec, reason)
        return replaced.model_copy(
            update={"flags": unfaithful + [flag for flag in replaced.flags if flag not in unfaithful]}
        )

    def _summarizer_for(self, spec: SummarySpec, deadline: Deadline | None = None) -> Summarizer:
        """The summarizer for ``spec``; raises ModelUnavailable when its seq2seq model cannot be had.

        Extractive methods take no ``deadline``: they need no model and run in milliseconds."""
        if spec.method != "seq2seq":
            return self._extractive(spec.method)
        key = (spec.model or "", spec.revision)
        known = self._load_failures.get(key)
        if known is not None:
            raise known
        resolved = self.resolver.resolve(*key)
        try:
            loaded = get_seq2seq(
                self.cache,
                resolved,
                self.models.device,
                self.models.threads,
                backend=self.config.backend,
                compute_type=self.config.compute_type,
                cache_dir=self.models.cache_dir.expanduser(),
            )
        except ModelUnavailable as exc:
            # Remembered: a model that failed to load is not reloaded for every batch of the run.
            self._load_failures[key] = exc
            raise
        return Seq2SeqSummarizer(
            loaded,
            resolved,
            batch_size=self.config.batch_size,
            overlap_sentences=self.config.chunk_overlap_sentences,
            max_levels=self.config.max_levels,
            batch_tokens=self.config.batch_tokens,
            shared_map=self.config.shared_map,
            deadline=deadline,
        )

    @staticmethod
    def _extractive(method: str) -> Summarizer:
        return TextRankSummarizer() if method == "textrank" else LeadSummarizer()

    def _unavailable_note(self, kind: str, language: str, exc: ModelUnavailable) -> str:
        fallback = self.config.fallback_method
        if fallback == "none":
            return (
                f"FAILS: {exc}; summary.fallback_method is 'none', so {kind} summaries in '{language}' fail"
            )
        return f"falls back to {fallback}: {exc}"

    def _translate_summaries(
        self,
        requests: Sequence[SummaryRequest],
        results: list[list[Summary]],
        errors: list[str | None],
        deadline: Deadline | None,
    ) -> None:
        """Append a translated copy of each summary for every extra output language (one batched call)."""
        wanted: list[tuple[int, Summary, str]] = []
        for index, request in enumerate(requests):
            if errors[index] is not None:
                continue
            for language in self.config.output_languages:
                if language != request.language:
                    wanted.extend((index, summary, language) for summary in list(results[index]))
        if not wanted or self.translate is None:
            return
        batch = [
            TranslationRequest(
                key=f"{requests[index].key}#{summary.kind}#{language}",
                text=summary.text,
                title="",
                source_language=requests[index].language,
                target_language=language,
            )
            for index, summary, language in wanted
            if summary.text
        ]
        outcomes: dict[str, TranslationOutcome] = {}
        failure: str | None = None
        if batch:
            try:
                outcomes = {outcome.key: outcome for outcome in self.translate(batch, deadline=deadline)}
            except Exception as exc:  # noqa: BLE001 - recorded as the error of every article that needed it
                failure = f"{type(exc).__name__}: {exc}"
        additions: list[list[Summary]] = [[] for _ in requests]
        for index, summary, language in wanted:
            if errors[index] is not None:
                continue
            if not summary.text:
                additions[index].append(_translated(summary, language, "", None, [FLAG_EMPTY]))
                continue
            outcome = outcomes.get(f"{requests[index].key}#{summary.kind}#{language}")
            if outcome is None or outcome.translation is None:
                why = failure or (outcome.error if outcome is not None else "no outcome returned")
                errors[index] = f"translating the {summary.kind} summary into '{language}' failed: {why}"
                continue
            translation = outcome.translation
            model = translation.models[-1] if translation.models else None
            # A translation can run longer than its source; the target language's budget still holds.
            budget = self.config.spec_for(summary.kind, language).max_words
            trimmed = trim_to_budget(translation.text, budget, language)
            additions[index].append(
                _translated(summary, language, trimmed.text, model, [*translation.flags, *trimmed.flags])
            )
        for index, extra in enumerate(additions):
            results[index].extend(extra)


def _translated(
    summary: Summary, language: str, text: str, model: ModelRef | None, flags: Sequence[str]
) -> Summary:
    """A translated copy of ``summary``: flags, chunks and fallback kept, the translation's flags added."""
    return Summary(
        kind=summary.kind,
        language=language,
        text=text,
        method=TRANSLATED,
        model=model,
        chunks=summary.chunks,
        levels=summary.levels,
        flags=summary.flags + [flag for flag in flags if flag not in summary.flags],
        fallback_reason=summary.fallback_reason,
    )
