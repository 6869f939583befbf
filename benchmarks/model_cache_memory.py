"""Peak memory with three translation models in one process: the cache's byte bound holds.

Builds three randomly initialised MarianMT models with the opus-mt architecture (~300 MB of weights each),
routes fr, de and es to them, and translates a few sentences per language twice in turn (fr, de, es, fr,
de, es) with the cache bounded to two models' bytes, so every switch evicts the least recently used
model before the next one loads. RSS is sampled every 20 ms. Reports the process baseline (after the
libraries are imported and one warm-up model has been loaded and dropped), the peak, the bound, and the
loads per model.

    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/model_cache_memory.py
"""

from __future__ import annotations

import argparse
import gc
from pathlib import Path

from benchmarks.translate import _rss_mb, peak_rss
from pipelines.config import ModelsConfig
from pipelines.models import ModelCache, ModelResolver
from pipelines.translate.base import TranslationRequest
from pipelines.translate.config import TranslationConfig
from pipelines.translate.engine import TranslationEngine
from tests.support import build_marian_like

LANGUAGES = ("fr", "de", "es")
SENTENCE = "Le conseil municipal a approuvé la nouvelle ligne de tramway après un long débat."


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model-dir", type=Path, default=Path("~/.cache/newsdigest/bench/cache-memory"))
    parser.add_argument("--resident", type=int, default=2, help="models' worth of bytes the cache may hold")
    args = parser.parse_args()
    root = args.model_dir.expanduser()
    directories = {}
    for seed, language in enumerate(LANGUAGES):
        directory = root / language
        if not (directory / "config.json").is_file():
            build_marian_like(directory, seed=seed)
        directories[language] = directory
    weights = max(sum(p.stat().st_size for p in d.glob("*.safetensors")) for d in directories.values())
    # A little over N models' weights: a loaded model takes slightly more than its file.
    bound = int(args.resident * weights * 1.05)
    translation = TranslationConfig(
        models={f"{language}-en": str(directory) for language, directory in directories.items()},
        num_beams=1,
        max_new_tokens_ratio=1.0,
    )
    models = ModelsConfig(threads=2, max_loaded=len(LANGUAGES), max_bytes=bound)

    def requests(language: str) -> list[TranslationRequest]:
        return [
            TranslationRequest(f"{language}-{i}", f"{SENTENCE}\n\n{SENTENCE}", "", language, "en")
            for i in range(4)
        ]

    import torch  # noqa: F401 - imported before the first reading, so the baseline includes the libraries
    import transformers  # noqa: F401

    before_models = _rss_mb()
    warm_up = TranslationEngine(translation, models, ModelResolver(), ModelCache(1, bound))
    warm_up.translate(requests("fr"))
    del warm_up
    gc.collect()
    baseline = _rss_mb()

    cache = ModelCache(models.max_loaded, models.max_bytes)
    engine = TranslationEngine(translation, models, ModelResolver(), cache)
    samples: list[float] = []
    with peak_rss(samples):
        for language in LANGUAGES * 2:
            outcomes = engine.translate(requests(language))
            if any(outcome.error for outcome in outcomes):
                raise SystemExit(f"translation failed: {outcomes[0].error}")
            gc.collect()
    peak = max(samples)
    print(f"weights per model        {weights / 2**20:8.0f} MB")
    print(f"cache bound (max_bytes)  {bound / 2**20:8.0f} MB ({args.resident} models)")
    print(f"RSS before any model     {before_models:8.0f} MB")
    print(f"process baseline         {baseline:8.0f} MB (after one warm-up load, model dropped)")
    print(f"peak RSS                 {peak:8.0f} MB")
    share = (peak - baseline) / (bound / 2**20)
    print(f"peak - baseline          {peak - baseline:8.0f} MB ({share:.2f} of the bound)")
    print(f"peak - before any model  {peak - before_models:8.0f} MB")
    resident = cache.total_bytes / 2**20
    print(f"resident at the end      {len(cache)} models, {resident:.0f} MB by the cache's count")
    print(f"loads                    {dict(cache.loads)}")


if __name__ == "__main__":
    main()
