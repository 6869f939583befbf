"""Developer tools that are not part of the installed product: the synthetic news corpus and the
training script of the small models committed under ``devtools/models`` (see issue 22)."""
