"""Try the batch, then isolate the failing item: how every stage and engine keeps one bad article from
sinking the others.

Batching is where the speed comes from, so a batch runs whole first. If it raises, an unforeseen fault
(a torch error on one odd input, say) is somewhere in it: the step runs again one item at a time, and
only the items that fail alone are reported as failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")


def isolating(
    items: Sequence[Item],
    step: Callable[[Sequence[Item]], None],
    on_failure: Callable[[Item, Exception], None],
    *,
    what: str,
    catch: tuple[type[Exception], ...] = (Exception,),
) -> None:
    """Run ``step(items)``; if it raises one of ``catch``, run ``step([item])`` for each item and call
    ``on_failure(item, error)`` for each that still raises. Other exceptions propagate."""
    if not items:
        return
    try:
        step(items)
        return
    except catch as exc:
        if len(items) == 1:
            on_failure(items[0], exc)
            return
        log.warning("%s failed for a batch of %d (%s); retrying one at a time", what, len(items), exc)
    for item in items:
        try:
            step([item])
        except catch as exc:
            on_failure(item, exc)
