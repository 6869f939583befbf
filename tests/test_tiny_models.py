"""Tests for tests.support.tiny_models: the tiny models must load and run
through the same from_pretrained / generate / CTranslate2 paths as real checkpoints.

Outputs of random weights are meaningless, so only mechanics are asserted:
shapes, counts, vocabulary sizes, special ids and the files on disk.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.support import (
    build_tiny_bart,
    build_tiny_marian,
    build_tiny_t5,
    default_corpus,
    train_sentencepiece,
)

# Set before transformers / huggingface_hub are imported (they read it at import).
os.environ["HF_HUB_OFFLINE"] = "1"

# One sentence per script family: Latin, CJK, Cyrillic (different lengths → padding).
TEXTS = [
    "The city council approved the new budget on Tuesday.",
    "国家统计局公布的数据显示经济增长放缓。",
    "Правительство объявило о новых мерах поддержки.",
]


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("tiny_models")
    return {
        "marian": build_tiny_marian(base / "marian"),
        "bart": build_tiny_bart(base / "bart"),
        "t5": build_tiny_t5(base / "t5"),
    }


def _assert_safetensors_only(model_dir: Path) -> None:
    assert (model_dir / "model.safetensors").is_file()
    assert not (model_dir / "pytorch_model.bin").exists()
    assert (model_dir / "config.json").is_file()


def _generate_batch(tokenizer: Any, model: Any) -> list[str]:
    batch = tokenizer(TEXTS, return_tensors="pt", padding=True)
    assert batch["input_ids"].shape[0] == 3
    out = model.generate(**batch, max_new_tokens=8)
    assert out.shape[0] == 3
    # Decoder start token + at most 8 new tokens.
    assert 2 <= out.shape[1] <= 9
    decoded = tokenizer.batch_decode(out, skip_special_tokens=True)
    assert isinstance(decoded, list)
    assert len(decoded) == 3
    assert all(isinstance(s, str) for s in decoded)
    return decoded


def test_default_corpus_covers_all_scripts() -> None:
    corpus = default_corpus()
    assert len(corpus) >= 30
    text = "".join(corpus)
    for sample in ("é", "ß", "ñ", "ж", "国", "ع", "ह", "λ", "ї", "ã"):
        assert sample in text, sample
    corpus.append("mutating the returned list must not leak")
    assert len(default_corpus()) == len(corpus) - 1


def test_train_sentencepiece_covers_every_script(tmp_path: Path) -> None:
    import sentencepiece as spm

    model_path = train_sentencepiece(default_corpus(), tmp_path / "sub" / "spm", vocab_size=1000)
    assert model_path == tmp_path / "sub" / "spm.model"
    assert model_path.is_file()
    processor = spm.SentencePieceProcessor(model_file=str(model_path))
    assert 100 < processor.get_piece_size() <= 1000
    ids = processor.encode("Le musée 国家 Правительство الحكومة सरकार κυβέρνηση уряд")
    assert processor.unk_id() not in ids


def test_train_sentencepiece_rejects_empty_corpus(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="corpus"):
        train_sentencepiece(["", "   "], tmp_path / "spm")


def test_invalid_dimensions_raise(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="divisible"):
        build_tiny_marian(tmp_path / "m", d_model=30, heads=4)
    with pytest.raises(ValueError, match="layers"):
        build_tiny_bart(tmp_path / "b", layers=0)
    assert not (tmp_path / "m").exists()


def test_tiny_marian_loads_and_generates(model_dirs: dict[str, Path]) -> None:
    from transformers import MarianMTModel, MarianTokenizer

    model_dir = model_dirs["marian"]
    _assert_safetensors_only(model_dir)
    for name in ("source.spm", "target.spm", "vocab.json", "tokenizer_config.json"):
        assert (model_dir / name).is_file(), name

    tokenizer = MarianTokenizer.from_pretrained(model_dir)
    model = MarianMTModel.from_pretrained(model_dir)
    config = model.config
    assert len(tokenizer) == config.vocab_size == config.decoder_vocab_size
    assert model.get_input_embeddings().weight.shape[0] == config.vocab_size
    assert model.lm_head.weight.shape[0] == config.vocab_size
    # opus-mt layout: </s>=0, <unk>=1, <pad> last and used as decoder start.
    assert tokenizer.eos_token_id == config.eos_token_id == 0
    assert tokenizer.unk_token_id == 1
    assert tokenizer.pad_token_id == config.pad_token_id == config.vocab_size - 1
    assert config.decoder_start_token_id == config.pad_token_id
    assert config.normalize_before is False
    _generate_batch(tokenizer, model)


def test_tiny_marian_is_deterministic(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    again = build_tiny_marian(tmp_path / "marian")
    for name in ("model.safetensors", "vocab.json", "source.spm"):
        assert (again / name).read_bytes() == (model_dirs["marian"] / name).read_bytes(), name


def test_tiny_bart_loads_and_generates(model_dirs: dict[str, Path]) -> None:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, BartForConditionalGeneration

    model_dir = model_dirs["bart"]
    _assert_safetensors_only(model_dir)
    assert (model_dir / "tokenizer.json").is_file()

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir)
    assert isinstance(model, BartForConditionalGeneration)
    assert tokenizer.is_fast
    config = model.config
    assert len(tokenizer) == config.vocab_size <= 1000
    assert model.get_input_embeddings().weight.shape[0] == config.vocab_size
    assert [tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id] == [0, 1, 2]
    assert config.pad_token_id == 1 and config.eos_token_id == 2
    assert config.max_position_embeddings == 256
    assert tokenizer.model_max_length == 256
    assert config.normalize_before is False
    assert model.generation_config.forced_bos_token_id is None
    ids = tokenizer(TEXTS[0])["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2
    _generate_batch(tokenizer, model)


def test_tiny_t5_loads_and_generates(model_dirs: dict[str, Path]) -> None:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, T5ForConditionalGeneration

    model_dir = model_dirs["t5"]
    _assert_safetensors_only(model_dir)
    assert (model_dir / "spiece.model").is_file()

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir)
    assert isinstance(model, T5ForConditionalGeneration)
    config = model.config
    assert len(tokenizer) == config.vocab_size
    assert model.get_input_embeddings().weight.shape[0] == config.vocab_size
    assert tokenizer.pad_token_id == config.pad_token_id == 0
    assert tokenizer.eos_token_id == config.eos_token_id == 1
    assert tokenizer.unk_token_id == 2
    assert config.decoder_start_token_id == 0
    _generate_batch(tokenizer, model)


def test_ctranslate2_converts_tiny_marian(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    import ctranslate2
    from transformers import MarianTokenizer

    out = tmp_path / "marian-ct2"
    ctranslate2.converters.TransformersConverter(str(model_dirs["marian"])).convert(
        str(out), quantization="int8"
    )
    assert (out / "model.bin").is_file()

    tokenizer = MarianTokenizer.from_pretrained(model_dirs["marian"])
    # The converted config has add_source_eos=false: append </s> ourselves.
    source = [[*tokenizer.tokenize(text), "</s>"] for text in TEXTS]
    translator = ctranslate2.Translator(str(out), device="cpu")
    results = translator.translate_batch(source, max_decoding_length=8)
    assert len(results) == 3
    for result in results:
        assert len(result.hypotheses) == 1
        assert 0 < len(result.hypotheses[0]) <= 8
