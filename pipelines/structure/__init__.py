"""Page structure for text inputs: which paragraphs are the article, which the site around it.

:func:`analyse_page` classifies every paragraph of a page's text (navigation, headline, standfirst,
byline, caption, body, related, share, footer) and picks the title; :func:`structure_enabled` reads the
per-source switch ``ingest.structure``.
"""

from __future__ import annotations

from collections.abc import Mapping

from pipelines.structure.classify import KEPT_CLASSES, Block, PageStructure, Signals, analyse_page

__all__ = ["KEPT_CLASSES", "Block", "PageStructure", "Signals", "analyse_page", "structure_enabled"]


def structure_enabled(switches: Mapping[str, bool], source: str | None) -> bool:
    """Whether pages from ``source`` are cleaned: its own switch, else the ``'*'`` one, else yes."""
    if source is not None and source in switches:
        return switches[source]
    return switches.get("*", True)
