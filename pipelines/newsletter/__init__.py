"""Newsletters from the store: one renderer (Jinja2 templates) for per-article digests and story editions."""
