"""The parser of each input format, beside the sources that read the inputs (files, feeds, inboxes).

:mod:`~pipelines.sources.formats.registry` says which suffixes are supported and which parser reads each;
one module per format (:mod:`~pipelines.sources.formats.text`, :mod:`~pipelines.sources.formats.markdown`,
:mod:`~pipelines.sources.formats.html`, :mod:`~pipelines.sources.formats.json`) turns decoded text into
articles, and :mod:`~pipelines.sources.formats.common` holds what they share: the failure type, decoding,
cleaning, the read limit and the last steps that make an article.
"""
