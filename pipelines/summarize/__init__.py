"""Short and long summaries: abstractive (seq2seq, map-reduced over long inputs) and extractive.

The entry point is :class:`pipelines.summarize.engine.SummaryEngine`; importing this package loads no
model library.
"""
