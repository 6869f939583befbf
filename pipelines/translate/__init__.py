"""Translation: routing, segmentation-aware pooled batching, and the transformers/CTranslate2 backends.

The engine lives in :mod:`pipelines.translate.engine`; nothing heavy is imported here, because
:mod:`pipelines.config` imports this package's config module.
"""
