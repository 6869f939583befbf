"""One article id, two different texts in one run: both are recorded, neither overwrites the other.

The rule: the first input with an id (in input order) goes on; each later input with the same id and a
different text (compared normalised, titles aside) is recorded as ``skipped`` under an id of its own
(``<id>.conflict-<hash>``, flagged ``id-conflict:<id>``), keeping its whole text, with a reason naming the
input that holds the id. The same id with the same text is the same article and is left alone (it ends
``unchanged``, or is stored as another version when only its title differs). Silently merging or
overwriting would lose one of the two texts; guessing which one is right is not the pipeline's call.
"""

from __future__ import annotations

from pipelines.records import Article, Record, content_hash

_MAX_ID = 128


def text_hash(article: Article) -> str:
    """The hash of an article's normalised text alone (titles may differ between copies of one story)."""
    return content_hash(article.text, "")


def mark_id_conflicts(records: list[Record]) -> list[Record]:
    first: dict[str, Record] = {}
    for record in records:
        if not record.pending:
            continue
        article = record.article
        holder = first.setdefault(article.id, record)
        if holder is record or text_hash(holder.article) == text_hash(article):
            continue
        suffix = f".conflict-{article.content_hash[:12]}"
        record.article = article.model_copy(
            update={
                "id": f"{article.id[: _MAX_ID - len(suffix)]}{suffix}",
                "flags": [*article.flags, f"id-conflict:{article.id}"],
            }
        )
        record.finish(
            "skipped",
            f"article id {article.id} is already used in this run by {holder.article.origin} with a "
            "different text: give each input its own id (or url)",
        )
    return records
