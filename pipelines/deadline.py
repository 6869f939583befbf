"""The per-article time budget (``article_time_budget_s``): a deadline the engines check as they go.

Nothing interrupts a running thread. Each batch stage (translate, summarize) starts a :class:`Deadline`
of ``budget × articles`` seconds and hands it to its engine, which calls :meth:`Deadline.check` before
every ``generate`` call (translation batches, summary chunk batches, map-reduce levels); the backends
check again after each call, so a batch over the budget stops at the next call boundary and its
articles fail with :class:`~pipelines.errors.TimeBudgetExceeded`. The transformers backends also give
``generate`` the time left as ``max_time``, so a single long call stops on time too; ``generate`` then
returns cut outputs without saying so, which is why the check after the call must fail them.

Why ``budget × articles``: an article over ``big_article_chars`` runs in a batch of its own (see
:func:`pipelines.runner._batches`), so the budget is exactly its own. A pooled batch of smaller articles
fails only if they took longer than the budget on average, which the size threshold keeps from
happening; a pooled batch cannot say which of its articles was slow, so it never fails all of them for
one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pipelines.errors import TimeBudgetExceeded

Clock = Callable[[], float]


def monotonic() -> float:
    """The clock deadlines read unless given another (tests simulate slow work through it)."""
    return time.monotonic()


class Deadline:
    """``budget_s × articles`` seconds from now for the articles of one batch to ``activity``."""

    def __init__(self, budget_s: float, articles: int, activity: str, *, clock: Clock | None = None) -> None:
        self.budget_s = budget_s
        self.articles = articles
        self.activity = activity
        self._clock = clock or monotonic
        self.expires_at = self._clock() + budget_s * articles

    @classmethod
    def start(cls, budget_s: float | None, articles: int, activity: str) -> Deadline | None:
        """The deadline for a batch of ``articles``; None when the budget is off (``None`` or 0)."""
        if not budget_s or articles < 1:
            return None
        return cls(budget_s, articles, activity)

    def remaining(self) -> float:
        return self.expires_at - self._clock()

    def max_time(self) -> float:
        """``generate``'s ``max_time``: the time left. Its timer starts inside ``generate``, after this is
        read, so a call it stops always ends past the deadline, where :meth:`check` catches it."""
        return max(0.0, self.remaining())

    def check(self) -> None:
        """Raise :class:`TimeBudgetExceeded` once the deadline has passed."""
        if self.remaining() <= 0:
            raise TimeBudgetExceeded(self.reason())

    def reason(self) -> str:
        fix = "raise article_time_budget_s or lower ingest.max_article_chars"
        if self.articles == 1:
            return f"article took longer than {self.budget_s:g} s to {self.activity}; {fix}"
        return (
            f"a batch of {self.articles} articles took longer than {self.budget_s:g} s per article to "
            f"{self.activity}; {fix}, or lower big_article_chars so long articles run alone"
        )
