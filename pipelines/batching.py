"""Token-budget batches, as the translation engine and the seq2seq summarizer cut them."""

from __future__ import annotations

from collections.abc import Sequence


def token_budget_batches(tokens: Sequence[int], max_items: int, max_tokens: int) -> list[list[int]]:
    """Indices of items with ``tokens`` each, longest first, in batches of at most ``max_items`` whose
    padded size (items × the batch's longest) stays within ``max_tokens``; an item longer than the budget
    gets a batch of its own."""
    order = sorted(range(len(tokens)), key=lambda i: tokens[i], reverse=True)
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        width = tokens[current[0]] if current else tokens[i]
        full = len(current) >= max_items
        if current and (full or (len(current) + 1) * width > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches
