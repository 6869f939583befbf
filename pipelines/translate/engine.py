"""The translation engine: routes, segments, pools sentences across articles per model, and reassembles.

Why pooling: one ``generate`` call per article pads every sentence to that article's longest and runs tiny
batches. Pooling the sentences of every request that needs the same model, sorting them by length and
cutting batches by a token budget keeps padding low and batches full, which is where most of the speed-up
over a per-article loop comes from. Outputs are scattered back to their requests and paragraphs.

A :class:`~pipelines.deadline.Deadline` (the article time budget) is checked before every batch and
handed to the backend for each; when it passes, every request of the pool fails with its reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.batching import token_budget_batches
from pipelines.errors import (
    MissingDependency,
    ModelError,
    ModelUnavailable,
    NewsdigestError,
    TimeBudgetExceeded,
)
from pipelines.faithfulness import FLAG_UNSUPPORTED_NUMBER, unsupported_numbers
from pipelines.isolation import isolating
from pipelines.languages import is_unspaced
from pipelines.models.cache import ModelCache
from pipelines.models.config import ModelsConfig
from pipelines.models.load_errors import load_errors
from pipelines.models.locations import ModelResolver, ResolvedModel
from pipelines.records import ModelRef, Translation
from pipelines.repetition import FLAG_REPETITION, is_repetitive
from pipelines.segment import SegmentedText, segment_text, split_long
from pipelines.translate.backends import backend_loader, device_for
from pipelines.translate.base import (
    BatchTranslator,
    GenerationSettings,
    TranslationOutcome,
    TranslationRequest,
)
from pipelines.translate.config import TranslationConfig
from pipelines.translate.routing import Hop, Route, route

if TYPE_CHECKING:
    from pipelines.deadline import Deadline


@dataclass
class _Job:
    """One request in flight: its route, segments, the current text of each segment and what happened."""

    request: TranslationRequest
    route: Route
    title: SegmentedText
    body: SegmentedText
    texts: list[str]
    models: list[ModelRef] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    error: str | None = None


@dataclass(frozen=True)
class _Unit:
    """A piece of one distinct sentence small enough for the model."""

    sentence: int
    text: str
    tokens: int


class TranslationEngine:
    """Translates requests through configured models, loading each model once via the model cache."""

    def __init__(
        self,
        config: TranslationConfig,
        models: ModelsConfig,
        resolver: ModelResolver,
        cache: ModelCache,
    ) -> None:
        self.config = config
        self.models = models
        self.resolver = resolver
        self.cache = cache
        self.settings = GenerationSettings(
            num_beams=config.num_beams,
            max_new_tokens_ratio=config.max_new_tokens_ratio,
            no_repeat_ngram_size=config.no_repeat_ngram_size,
            repetition_penalty=config.repetition_penalty,
        )

    def preflight(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Resolve (without loading) every model the pairs need; ``{pair: reason}`` for those that fail."""
        problems: dict[tuple[str, str], str] = {}
        for source, target in dict.fromkeys(pairs):
            try:
                for hop in route(self.config, source, target).hops:
                    self._resolve(hop)
                    if hop.backend == "ctranslate2":
                        from pipelines.translate.ct2 import import_ctranslate2

                        import_ctranslate2()
            except NewsdigestError as exc:
                problems[(source, target)] = str(exc)
        return problems

    def _resolve(self, hop: Hop) -> ResolvedModel:
        return self.resolver.resolve(hop.model.model, hop.model.revision)

    def _translator(self, hop: Hop) -> tuple[BatchTranslator, ResolvedModel]:
        resolved = self._resolve(hop)
        device = device_for(hop.backend, self.models.device)
        compute_type = self.config.compute_type
        key = (
            f"{resolved.path}|{hop.backend}|{device}|{compute_type if hop.backend != 'transformers' else ''}"
        )
        loader = backend_loader(hop.backend)

        def load() -> tuple[BatchTranslator, int]:
            try:
                return loader(
                    resolved.path,
                    self.settings,
                    device=device,
                    threads=self.models.threads,
                    compute_type=compute_type,
                    cache_dir=self.models.cache_dir.expanduser(),
                )
            except load_errors() as exc:
                raise ModelUnavailable(
                    hop.model.model, f"loading failed: {type(exc).__name__}: {exc}"
                ) from exc

        return self.cache.get(key, load, resolved.weights_bytes), resolved

    def translate(
        self, requests: Sequence[TranslationRequest], *, deadline: Deadline | None = None
    ) -> list[TranslationOutcome]:
        """One outcome per request, in order; a failing pair or model fails only the requests needing it.

        With a ``deadline``, the requests still in a pool when it passes fail with its reason."""
        outcomes: list[TranslationOutcome | None] = [None] * len(requests)
        jobs: dict[int, _Job] = {}
        for index, request in enumerate(requests):
            if request.source_language == request.target_language:
                outcomes[index] = TranslationOutcome(request.key, _unchanged(request))
                continue
            try:
                job_route = route(self.config, request.source_language, request.target_language)
            except ModelError as exc:
                outcomes[index] = TranslationOutcome(request.key, error=str(exc))
                continue
            title = segment_text(request.title, request.source_language)
            body = segment_text(request.text, request.source_language)
            jobs[index] = _Job(request, job_route, title, body, title.sentences + body.sentences)

        depth = max((len(job.route.hops) for job in jobs.values()), default=0)
        for level in range(depth):
            # Requests whose hops use the same model the same way are pooled (e.g. every fallback source).
            groups: dict[tuple[str, str | None, str, str | None, str], list[_Job]] = defaultdict(list)
            for job in jobs.values():
                if job.error is None and len(job.route.hops) > level:
                    hop = job.route.hops[level]
                    key = (hop.model.model, hop.model.revision, hop.backend, hop.target_prefix, hop.target)
                    groups[key].append(job)
            for members in groups.values():
                self._run_hop(level, members, deadline)

        for index, job in jobs.items():
            if job.error is not None:
                outcomes[index] = TranslationOutcome(job.request.key, error=job.error)
            else:
                outcomes[index] = TranslationOutcome(job.request.key, self._finish(job))
        return [outcome for outcome in outcomes if outcome is not None]

    def _run_hop(self, level: int, members: list[_Job], deadline: Deadline | None) -> None:
        """Translate the current segments of every member with one model; failures fail the members.

        One article can break a pooled batch (a torch error on an odd input, memory): then each member is
        translated alone so that only the culprit fails.
        """
        hop = members[0].route.hops[level]

        def fail(job: _Job, exc: Exception) -> None:
            job.error = f"{hop.role} with {hop.model.model} failed: {type(exc).__name__}: {exc}"

        isolating(
            members,
            lambda group: self._translate_members(level, hop, group, deadline),
            fail,
            what=f"{hop.role} with {hop.model.model}",
            catch=(RuntimeError, ValueError),
        )

    def _translate_members(
        self, level: int, hop: Hop, members: Sequence[_Job], deadline: Deadline | None
    ) -> None:
        try:
            translator, resolved = self._translator(hop)
            sentences = [text for job in members for text in job.texts]
            translated, flagged = self._translate_pool(translator, hop, sentences, deadline)
        except (ModelError, MissingDependency, TimeBudgetExceeded) as exc:
            for job in members:
                job.error = str(exc)
            return
        position = 0
        for job in members:
            role = job.route.hops[level].role
            ref = ModelRef(
                role=role,
                source=hop.model.model,
                revision=resolved.revision,
                backend=getattr(translator, "backend", hop.backend),
                compute_type=getattr(translator, "compute_type", None),
            )
            count = len(job.texts)
            job.texts = translated[position : position + count]
            if any(flagged[position : position + count]):
                job.flags.add("length-ratio")
            position += count
            job.models.append(ref)

    def _translate_pool(
        self, translator: BatchTranslator, hop: Hop, sentences: list[str], deadline: Deadline | None
    ) -> tuple[list[str], list[bool]]:
        """Translate pooled sentences: dedupe, split over-long ones, sort by length, batch by token budget.

        Returns the translations in input order and, per sentence, whether its output is suspiciously long.
        """
        distinct = list(dict.fromkeys(sentences))
        limit = min(self.config.max_sentence_tokens, translator.max_source_tokens)
        if hop.target_prefix:
            # The prefix is prepended to every segment; count it without its </s>.
            limit -= translator.count_tokens([hop.target_prefix])[0] - 1
        units: list[_Unit] = []
        for number, (text, tokens) in enumerate(
            zip(distinct, translator.count_tokens(distinct), strict=True)
        ):
            if tokens <= limit:
                units.append(_Unit(number, text, tokens))
                continue
            pieces = split_long(text, limit, lambda piece: translator.count_tokens([piece])[0])
            units.extend(
                _Unit(number, piece, count)
                for piece, count in zip(pieces, translator.count_tokens(pieces), strict=True)
            )

        outputs: list[str] = [""] * len(units)
        output_tokens: list[int] = [0] * len(units)
        for batch in self._batches(units):
            texts = [units[i].text for i in batch]
            if deadline is not None:
                deadline.check()
            results = translator.translate_segments(texts, target_prefix=hop.target_prefix, deadline=deadline)
            for i, result, count in zip(batch, results, translator.count_tokens(results), strict=True):
                outputs[i] = result
                output_tokens[i] = count

        joiner = "" if is_unspaced(hop.target) else " "
        parts: list[list[str]] = [[] for _ in distinct]
        source_tokens = [0] * len(distinct)
        target_tokens = [0] * len(distinct)
        for i, unit in enumerate(units):
            parts[unit.sentence].append(outputs[i].strip())
            source_tokens[unit.sentence] += unit.tokens
            target_tokens[unit.sentence] += output_tokens[i]
        translated = {text: joiner.join(parts[n]) for n, text in enumerate(distinct)}
        ratio = self.config.length_ratio_flag
        # A few tokens of slack: a one-word source may well need three words.
        too_long = {text: target_tokens[n] > ratio * source_tokens[n] + 4 for n, text in enumerate(distinct)}
        return [translated[s] for s in sentences], [too_long[s] for s in sentences]

    def _batches(self, units: Sequence[_Unit]) -> list[list[int]]:
        """Indices of ``units`` in batches, longest first; a batch's padded size stays in the token budget."""
        return token_budget_batches(
            [unit.tokens for unit in units], self.config.max_batch_sentences, self.config.batch_tokens
        )

    def _finish(self, job: _Job) -> Translation:
        request = job.request
        target = request.target_language
        split = len(job.title.sentences)
        flags = set(job.flags)
        if any(is_repetitive(text) for text in job.texts):
            flags.add(FLAG_REPETITION)
        text = job.body.reassemble(job.texts[split:], target)
        title = job.title.reassemble(job.texts[:split], target)
        # The faithfulness guard: every number and date of the translation must be in its source.
        if unsupported_numbers(
            f"{title}\n{text}",
            f"{request.title}\n{request.text}",
            output_language=target,
            source_language=request.source_language,
        ):
            flags.add(FLAG_UNSUPPORTED_NUMBER)
        return Translation(
            text=text,
            title=title,
            source_language=request.source_language,
            target_language=target,
            models=job.models,
            segments=len(job.texts),
            flags=sorted(flags),
        )


def _unchanged(request: TranslationRequest) -> Translation:
    return Translation(
        text=request.text,
        title=request.title,
        source_language=request.source_language,
        target_language=request.target_language,
    )
