"""Build real, tiny, randomly initialised seq2seq models for tests and benchmarks.

The Hugging Face Hub is not reachable from CI or developer machines, yet the
translation and summarization code must be exercised through exactly the same
``from_pretrained`` calls that production uses.  Mocking the model classes would
hide every bug that lives in loading, tokenizing, batching, generation or
CTranslate2 conversion, so instead this module *creates* model directories:

* the real classes (``MarianMTModel``, ``BartForConditionalGeneration``,
  ``T5ForConditionalGeneration``) with random weights and tiny dimensions,
* real tokenizers trained on a small built-in multilingual corpus
  (SentencePiece for Marian/T5, byte-level BPE for BART),
* saved with ``save_pretrained`` as ``model.safetensors`` + ``config.json``.

Outputs are gibberish (random weights) but every mechanical property - shapes,
special token ids, vocabulary sizes, max positions, file layout - matches the
real checkpoints, which is what the tests assert.

Heavy libraries (torch, transformers, sentencepiece, tokenizers) are imported
inside the functions so that importing this module stays cheap and does not
require those packages unless a model is actually built.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = [
    "build_marian_like",
    "build_tiny_bart",
    "build_tiny_marian",
    "build_tiny_t5",
    "default_corpus",
    "train_sentencepiece",
]

# Piece ids of the special tokens in a T5 ``spiece.model``; T5Tokenizer hard-codes
# ``unk_id=2`` when it converts the SentencePiece model, so ours must match.
_T5_SPM_IDS = {"pad_id": 0, "eos_id": 1, "unk_id": 2, "bos_id": -1}
# SentencePiece's own defaults, which the opus-mt ``*.spm`` files also use.
_DEFAULT_SPM_IDS = {"unk_id": 0, "bos_id": 1, "eos_id": 2, "pad_id": -1}

_BART_SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]

_CORPUS: tuple[str, ...] = (
    # English
    "The city council approved the new budget on Tuesday after a long debate.",
    "Heavy rain caused flooding in several villages, and hundreds of people were evacuated.",
    "Scientists say the new vaccine could be available to the public by the end of next year.",
    "The central bank kept interest rates unchanged, citing uncertainty about inflation.",
    "Thousands of fans gathered in the main square to celebrate the team's victory.",
    # French
    "Le gouvernement a annoncé mardi une réforme des retraites qui suscite de vives critiques.",
    "Les syndicats appellent à une grève nationale la semaine prochaine dans les transports.",
    "Selon les prévisions, les températures resteront élevées jusqu'à la fin du mois d'août.",
    "Le musée du Louvre a accueilli près de neuf millions de visiteurs l'année dernière.",
    # German
    "Die Bundesregierung will den Ausbau der erneuerbaren Energien deutlich beschleunigen.",
    "Nach dem Sturm waren in Norddeutschland mehr als zehntausend Haushalte ohne Strom.",
    "Der Bürgermeister kündigte an, dass die Brücke im Frühjahr für den Verkehr geöffnet wird.",
    # Spanish
    "El presidente se reunió ayer con los líderes europeos para hablar sobre la crisis energética.",
    "La temporada de incendios forestales comenzó antes de lo habitual en el sur del país.",
    "Los precios de los alimentos subieron un cinco por ciento durante el último trimestre.",
    "El año pasado, España recibió más de ochenta millones de turistas extranjeros.",
    # Russian
    "Правительство объявило о новых мерах поддержки малого и среднего бизнеса.",
    "В Москве прошёл крупный международный кинофестиваль, собравший тысячи зрителей.",
    "Учёные обнаружили в Сибири останки древнего животного, сохранившиеся во льду.",
    # Chinese
    "国家统计局周二公布的数据显示，今年第三季度经济增长速度有所放缓。",
    "暴雨导致南方多个城市发生内涝，当地政府已经启动应急预案。",
    "这家科技公司宣布将在明年推出新一代人工智能芯片。",
    "北京市今天举行新闻发布会，介绍冬季空气质量改善的情况。",
    # Arabic
    "أعلنت الحكومة عن خطة جديدة لتحسين البنية التحتية في المدن الكبرى.",
    "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار خفض الإنتاج.",
    "افتتح وزير التعليم مدرسة جديدة في العاصمة صباح اليوم.",
    # Hindi
    "सरकार ने किसानों के लिए एक नई योजना की घोषणा की है।",
    "भारी बारिश के कारण कई राज्यों में बाढ़ जैसी स्थिति बन गई है।",
    "भारतीय क्रिकेट टीम ने रोमांचक मुकाबले में जीत दर्ज की।",
    # Greek
    "Η κυβέρνηση ανακοίνωσε νέα μέτρα για τη στήριξη των νοικοκυριών απέναντι στην ακρίβεια.",
    "Χιλιάδες τουρίστες επισκέφθηκαν την Ακρόπολη κατά τη διάρκεια του καλοκαιριού.",
    # Ukrainian
    "Уряд ухвалив рішення про підвищення мінімальної заробітної плати з наступного року.",
    "У Києві відкрили нову станцію метро, яку чекали мешканці лівого берега.",
    # Italian
    "Il governo italiano ha approvato un nuovo decreto per sostenere le famiglie in difficoltà.",
    "A Venezia l'acqua alta ha invaso piazza San Marco per la terza volta questo mese.",
    "La squadra ha vinto il campionato dopo una stagione straordinaria.",
    # Portuguese
    "O governo brasileiro anunciou um novo programa de investimentos em infraestrutura.",
    "As chuvas fortes provocaram deslizamentos de terra em várias cidades do litoral.",
    "A inflação em Portugal recuou pelo terceiro mês consecutivo, segundo o instituto de estatística.",
    # A few longer paragraphs so the summarizer tests have multi-sentence inputs.
    (
        "The storm made landfall early on Saturday morning. Officials ordered residents of low-lying "
        "areas to leave their homes, and schools were closed for two days. By Sunday evening, most "
        "roads had reopened, but power had not yet been restored to thousands of households."
    ),
    (
        "La conférence sur le climat s'est terminée par un accord de dernière minute. Les pays se sont "
        "engagés à réduire leurs émissions, mais plusieurs organisations ont jugé les objectifs "
        "insuffisants. Une nouvelle réunion est prévue l'année prochaine."
    ),
    (
        "Die Ausstellung zeigt Werke aus fünf Jahrhunderten. Besonders gefragt sind die Gemälde aus der "
        "Renaissance, die zum ersten Mal außerhalb Italiens zu sehen sind. Die Schau läuft bis März."
    ),
    (
        "Экономисты ожидают, что рост цен замедлится к концу года. Однако многое будет зависеть от "
        "курса национальной валюты и стоимости энергоносителей на мировых рынках."
    ),
    "2024年，全球新能源汽车销量继续增长。专家认为，电池技术的进步是主要原因之一。",
)


def default_corpus() -> list[str]:
    """Return the built-in multilingual corpus used to train tiny tokenizers.

    It holds short news-style sentences and paragraphs in English, French,
    German, Spanish, Russian, Chinese, Arabic, Hindi, Greek, Ukrainian, Italian
    and Portuguese, so tokenizers trained on it cover every script the
    pipelines handle (Latin, Cyrillic, CJK, Arabic, Devanagari, Greek) and tests
    never hit an all-``<unk>`` input by accident. A fresh list is returned so
    callers may extend it without affecting other callers.
    """
    return list(_CORPUS)


def _materialise_corpus(corpus: Iterable[str] | None) -> list[str]:
    """Turn ``corpus`` into a non-empty list of non-blank lines.

    ``None`` means the built-in corpus. Newlines inside a text are flattened
    because both trainers consume one sentence per line.
    """
    texts = default_corpus() if corpus is None else list(corpus)
    lines = [" ".join(text.split()) for text in texts]
    lines = [line for line in lines if line]
    if not lines:
        raise ValueError("corpus must contain at least one non-blank text")
    return lines


def _check_dims(*, vocab_size: int, d_model: int, layers: int, heads: int, ffn_dim: int) -> None:
    """Reject dimensions the model classes would only fail on later, with worse errors."""
    for name, value in (
        ("vocab_size", vocab_size),
        ("d_model", d_model),
        ("layers", layers),
        ("heads", heads),
        ("ffn_dim", ffn_dim),
    ):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    if d_model % heads:
        raise ValueError(f"d_model ({d_model}) must be divisible by heads ({heads})")


def _train_spm(lines: list[str], model_prefix: Path, vocab_size: int, special_ids: dict[str, int]) -> Path:
    """Train a unigram SentencePiece model; shared by the public wrapper and T5.

    ``character_coverage=1.0`` keeps every character of the corpus (the default
    0.9995 drops rare CJK characters) and ``hard_vocab_limit=False`` lets a tiny
    corpus produce fewer pieces than asked instead of failing.

    The sentences are streamed in (``sentence_iterator``) and the model comes
    back in memory (``model_writer``) rather than going through an input file
    and ``model_prefix``: the trainer records both paths inside the model, so a
    temporary input file would make every build byte-different. With a single
    thread and no shuffling the same corpus then gives the same bytes.
    """
    import sentencepiece as spm

    if vocab_size < 1:
        raise ValueError(f"vocab_size must be >= 1, got {vocab_size}")
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        shuffle_input_sentence=False,
        num_threads=1,
        minloglevel=2,
        unk_id=special_ids["unk_id"],
        bos_id=special_ids["bos_id"],
        eos_id=special_ids["eos_id"],
        pad_id=special_ids["pad_id"],
    )
    model_bytes = model.getvalue()
    if not model_bytes:
        raise RuntimeError("SentencePiece training produced an empty model")
    model_prefix.parent.mkdir(parents=True, exist_ok=True)
    model_path = model_prefix.with_name(model_prefix.name + ".model")
    model_path.write_bytes(model_bytes)
    # The human-readable companion spm_train writes next to the model.
    processor = spm.SentencePieceProcessor(model_proto=model_bytes)
    vocab_lines = [
        f"{processor.id_to_piece(i)}\t{processor.get_score(i):g}\n" for i in range(processor.get_piece_size())
    ]
    model_prefix.with_name(model_prefix.name + ".vocab").write_text("".join(vocab_lines), encoding="utf-8")
    return model_path


def train_sentencepiece(corpus: Iterable[str], model_prefix: Path, vocab_size: int = 1000) -> Path:
    """Train a SentencePiece unigram model on ``corpus`` and return the ``.model`` path.

    Writes ``<model_prefix>.model`` and ``<model_prefix>.vocab`` (creating the
    parent directory if needed), like ``spm_train --model_prefix``. Texts are
    streamed to the trainer (see ``_train_spm`` for why not via a temp file);
    newlines inside a text are flattened and blank texts dropped.
    ``vocab_size`` is a soft limit: a small corpus yields as many pieces as it
    can support. Special ids are SentencePiece's defaults (``<unk>``=0,
    ``<s>``=1, ``</s>``=2), as in the opus-mt ``*.spm`` files.
    """
    return _train_spm(_materialise_corpus(corpus), Path(model_prefix), vocab_size, _DEFAULT_SPM_IDS)


def _spm_pieces(model_file: Path) -> list[str]:
    """Return the ordinary pieces of a SentencePiece model (no unk/control ones)."""
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_file=str(model_file))
    return [
        processor.id_to_piece(i)
        for i in range(processor.get_piece_size())
        if not (processor.is_unknown(i) or processor.is_control(i))
    ]


def _write_json(path: Path, data: Any) -> None:
    """Write ``data`` as UTF-8 JSON (readable, non-ASCII kept as is)."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _token_id(tokenizer: Any, token: str) -> int:
    """Id of a single special ``token``; fail loudly if the tokenizer lacks it.

    ``convert_tokens_to_ids`` is typed ``int | list[int]`` and silently maps a
    missing token to ``<unk>``, which would yield a config with wrong ids.
    """
    token_id = tokenizer.convert_tokens_to_ids(token)
    if not isinstance(token_id, int) or tokenizer.convert_ids_to_tokens(token_id) != token:
        raise RuntimeError(f"tokenizer has no {token!r} token")
    return token_id


def _save_model(model: Any, out_dir: Path) -> None:
    """``save_pretrained`` and verify the result is safetensors only.

    transformers 5 always writes safetensors (``safe_serialization`` is gone),
    but loaders elsewhere prefer ``pytorch_model.bin`` when both exist, so make
    the guarantee explicit rather than assumed.
    """
    model.save_pretrained(str(out_dir))
    if not (out_dir / "model.safetensors").is_file():
        raise RuntimeError(f"save_pretrained did not write {out_dir / 'model.safetensors'}")
    if (out_dir / "pytorch_model.bin").exists():
        raise RuntimeError(f"unexpected pytorch_model.bin in {out_dir}")


def _write_marian_dir(
    out_dir: Path,
    *,
    lines: list[str],
    spm_vocab_size: int,
    target_vocab_size: int | None,
    d_model: int,
    layers: int,
    heads: int,
    ffn_dim: int,
    max_position_embeddings: int,
    seed: int,
) -> Path:
    """Shared body of :func:`build_tiny_marian` and :func:`build_marian_like`.

    ``target_vocab_size`` pads ``vocab.json`` with filler pieces up to that size
    (``None`` keeps the natural size).
    """
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        spm_file = _train_spm(lines, Path(tmp) / "spm", spm_vocab_size, _DEFAULT_SPM_IDS)
        spm_bytes = spm_file.read_bytes()
        pieces = _spm_pieces(spm_file)
    # Same model on both sides, like the opus-mt checkpoints with a joint vocab.
    (out_dir / "source.spm").write_bytes(spm_bytes)
    (out_dir / "target.spm").write_bytes(spm_bytes)

    # opus-mt layout: </s>=0, <unk>=1, the pieces, and <pad> last; the pad id is
    # also the decoder start token (Marian starts from a zero embedding).
    tokens = ["</s>", "<unk>"] + [p for p in pieces if p not in ("</s>", "<unk>", "<pad>")]
    if target_vocab_size is not None:
        if target_vocab_size < len(tokens) + 1:
            raise ValueError(
                f"vocab_size {target_vocab_size} is smaller than the {len(tokens) + 1} "
                "tokens the SentencePiece model needs"
            )
        seen = set(tokens)
        i = 0
        while len(tokens) < target_vocab_size - 1:
            filler = f"<filler_{i:05d}>"
            i += 1
            if filler not in seen:
                tokens.append(filler)
    tokens.append("<pad>")
    vocab = {token: idx for idx, token in enumerate(tokens)}
    pad_id = vocab["<pad>"]
    _write_json(out_dir / "vocab.json", vocab)
    _write_json(
        out_dir / "tokenizer_config.json",
        {
            "tokenizer_class": "MarianTokenizer",
            "source_lang": "mul",
            "target_lang": "en",
            "separate_vocabs": False,
            "model_max_length": max_position_embeddings,
            "eos_token": "</s>",
            "unk_token": "<unk>",
            "pad_token": "<pad>",
        },
    )

    # Fields MarianConfig does not declare but the opus-mt configs carry and
    # CTranslate2's converter reads; passed through as extra config attributes.
    opus_mt_extras: dict[str, Any] = {
        "normalize_before": False,
        "normalize_embedding": False,
        "static_position_embeddings": True,
    }
    config = MarianConfig(
        vocab_size=len(vocab),
        decoder_vocab_size=len(vocab),
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn_dim,
        decoder_ffn_dim=ffn_dim,
        max_position_embeddings=max_position_embeddings,
        activation_function="swish",
        dropout=0.1,
        attention_dropout=0.0,
        activation_dropout=0.0,
        scale_embedding=True,
        pad_token_id=pad_id,
        eos_token_id=0,
        bos_token_id=0,
        forced_eos_token_id=0,
        decoder_start_token_id=pad_id,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        architectures=["MarianMTModel"],
        **opus_mt_extras,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    # Generation defaults of the opus-mt checkpoints: beam 4, never emit <pad>.
    model.generation_config = GenerationConfig.from_dict(
        {
            "bos_token_id": 0,
            "eos_token_id": 0,
            "pad_token_id": pad_id,
            "decoder_start_token_id": pad_id,
            "forced_eos_token_id": 0,
            "bad_words_ids": [[pad_id]],
            "num_beams": 4,
            "max_length": max_position_embeddings,
        }
    )
    _save_model(model, out_dir)
    return out_dir


def build_tiny_marian(
    out_dir: Path,
    *,
    vocab_size: int = 1000,
    d_model: int = 32,
    layers: int = 2,
    heads: int = 2,
    ffn_dim: int = 64,
    max_position_embeddings: int = 512,
    seed: int = 0,
    corpus: Iterable[str] | None = None,
) -> Path:
    """Write a tiny random MarianMT checkpoint to ``out_dir`` and return ``out_dir``.

    The directory has the opus-mt layout and loads with
    ``MarianTokenizer.from_pretrained`` / ``MarianMTModel.from_pretrained`` and
    converts with CTranslate2: ``source.spm`` and ``target.spm`` (one joint
    SentencePiece model), ``vocab.json`` (``</s>``=0, ``<unk>``=1, pieces,
    ``<pad>`` last), ``tokenizer_config.json``, ``config.json``,
    ``generation_config.json`` and ``model.safetensors``.

    ``vocab_size`` is the SentencePiece target; the real vocabulary may be
    smaller on a small corpus and the config always uses the real size.
    Weights are seeded with ``torch.manual_seed(seed)`` so builds are
    deterministic. Embeddings are shared and tied like in opus-mt.
    """
    _check_dims(vocab_size=vocab_size, d_model=d_model, layers=layers, heads=heads, ffn_dim=ffn_dim)
    if max_position_embeddings < 2:
        raise ValueError(f"max_position_embeddings must be >= 2, got {max_position_embeddings}")
    return _write_marian_dir(
        Path(out_dir),
        lines=_materialise_corpus(corpus),
        spm_vocab_size=vocab_size,
        target_vocab_size=None,
        d_model=d_model,
        layers=layers,
        heads=heads,
        ffn_dim=ffn_dim,
        max_position_embeddings=max_position_embeddings,
        seed=seed,
    )


def build_marian_like(
    out_dir: Path,
    *,
    d_model: int = 512,
    layers: int = 6,
    heads: int = 8,
    ffn_dim: int = 2048,
    vocab_size: int = 59514,
    seed: int = 0,
) -> Path:
    """Write a random-weight model with the architecture of ``Helsinki-NLP/opus-mt-fr-en``.

    Meant for benchmarks, where the cost of a forward pass must be realistic
    (~75M parameters, 6+6 layers, d_model 512, 8 heads, FFN 2048, 59,514-token
    shared vocabulary), while the output text does not matter.

    SentencePiece cannot grow 59.5k pieces from the small built-in corpus, so
    the ``.spm`` model holds as many pieces as the corpus supports (asked for
    8000 with a soft limit) and ``vocab.json`` is padded with synthetic
    ``<filler_NNNNN>`` entries (before ``<pad>``, which stays last) up to
    ``vocab_size``. The filler ids are never produced by the tokenizer when
    encoding, but the embedding and output projection matrices have the real
    size, which dominates the per-token softmax cost. A randomly initialised
    model happily generates filler ids; ``MarianTokenizer`` decodes them to their
    literal ``<filler_NNNNN>`` text, so only lengths, not strings, are meaningful.
    """
    _check_dims(vocab_size=vocab_size, d_model=d_model, layers=layers, heads=heads, ffn_dim=ffn_dim)
    return _write_marian_dir(
        Path(out_dir),
        lines=default_corpus(),
        spm_vocab_size=8000,
        target_vocab_size=vocab_size,
        d_model=d_model,
        layers=layers,
        heads=heads,
        ffn_dim=ffn_dim,
        max_position_embeddings=512,
        seed=seed,
    )


def build_tiny_bart(
    out_dir: Path,
    *,
    vocab_size: int = 1000,
    d_model: int = 32,
    layers: int = 2,
    heads: int = 2,
    ffn_dim: int = 64,
    max_position_embeddings: int = 256,
    seed: int = 0,
    corpus: Iterable[str] | None = None,
    decoder_layers: int | None = None,
    pad_vocab_to: int | None = None,
) -> Path:
    """Write a tiny random ``BartForConditionalGeneration`` checkpoint and return ``out_dir``.

    ``decoder_layers`` defaults to ``layers``; ``pad_vocab_to`` pads ``vocab.json`` with unreachable
    ``<filler_NNNNN>`` entries up to that size (see :func:`build_bart_like`).

    The tokenizer is a byte-level BPE trained with the ``tokenizers`` library on
    the corpus, with BART's special tokens (``<s>``=0, ``<pad>``=1, ``</s>``=2,
    ``<unk>``=3, ``<mask>``=4) and RoBERTa-style post-processing, saved as
    ``tokenizer.json`` + ``tokenizer_config.json`` (class ``BartTokenizer``) so
    ``AutoTokenizer.from_pretrained(out_dir)`` returns a fast tokenizer.
    ``vocab_size`` is an upper bound: BPE stops merging when the corpus runs out
    of pairs, and the model config uses the real size.

    ``max_position_embeddings`` is small on purpose so tests can exercise the
    long-input chunking path. ``normalize_before=False`` is recorded because
    CTranslate2's BART converter reads it. Generation defaults follow the
    summarization checkpoints (beam 4, no repeated trigrams) but without
    ``forced_bos_token_id``, which only makes sense for bart-large-cnn's vocab.
    """
    _check_dims(vocab_size=vocab_size, d_model=d_model, layers=layers, heads=heads, ffn_dim=ffn_dim)
    if max_position_embeddings < 2:
        raise ValueError(f"max_position_embeddings must be >= 2, got {max_position_embeddings}")
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer, GenerationConfig

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = _materialise_corpus(corpus)

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=_BART_SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(lines, trainer=trainer)
    # vocab.json + merges.txt is the layout of the facebook/bart-* repos; loading
    # them through BartTokenizer attaches BART's post-processor (<s> ... </s>)
    # and save_pretrained then adds tokenizer.json and a tokenizer_config.json
    # naming a class transformers 5 can rebuild the fast tokenizer from.
    bpe.model.save(str(out_dir))
    if pad_vocab_to is not None:
        vocab_file = out_dir / "vocab.json"
        vocab = json.loads(vocab_file.read_text(encoding="utf-8"))
        for number in range(len(vocab), pad_vocab_to):
            vocab[f"<filler_{number:05d}>"] = number
        _write_json(vocab_file, vocab)
    tokenizer = BartTokenizer.from_pretrained(str(out_dir), model_max_length=max_position_embeddings)
    tokenizer.save_pretrained(str(out_dir))
    ids = {tok: _token_id(tokenizer, tok) for tok in _BART_SPECIAL_TOKENS}

    # Not a declared BartConfig field; CTranslate2's converter reads it.
    ct2_extras: dict[str, Any] = {"normalize_before": False}
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=decoder_layers or layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn_dim,
        decoder_ffn_dim=ffn_dim,
        max_position_embeddings=max_position_embeddings,
        bos_token_id=ids["<s>"],
        pad_token_id=ids["<pad>"],
        eos_token_id=ids["</s>"],
        decoder_start_token_id=ids["</s>"],
        forced_eos_token_id=ids["</s>"],
        architectures=["BartForConditionalGeneration"],
        **ct2_extras,
    )
    torch.manual_seed(seed)
    model = BartForConditionalGeneration(config)
    model.generation_config = GenerationConfig.from_dict(
        {
            "bos_token_id": ids["<s>"],
            "eos_token_id": ids["</s>"],
            "pad_token_id": ids["<pad>"],
            "decoder_start_token_id": ids["</s>"],
            "forced_eos_token_id": ids["</s>"],
            "num_beams": 4,
            "no_repeat_ngram_size": 3,
            "early_stopping": True,
            "max_length": min(142, max_position_embeddings),
        }
    )
    _save_model(model, out_dir)
    return out_dir


def build_bart_like(
    out_dir: Path,
    *,
    d_model: int = 1024,
    encoder_layers: int = 12,
    decoder_layers: int = 6,
    heads: int = 16,
    ffn_dim: int = 4096,
    vocab_size: int = 50264,
    seed: int = 0,
) -> Path:
    """Write a random-weight model with the architecture of ``sshleifer/distilbart-cnn-12-6``.

    For benchmarks (~306M parameters: 12 encoder and 6 decoder layers, d_model 1024, 16 heads, FFN 4096,
    1,024 positions, a 50,264-token vocabulary). As in :func:`build_marian_like`, the byte-level BPE holds
    what the built-in corpus supports and ``vocab.json`` is padded with unreachable filler entries, so the
    embedding and output projection have the real size; only lengths of the outputs are meaningful.
    """
    return build_tiny_bart(
        Path(out_dir),
        vocab_size=8000,
        d_model=d_model,
        layers=encoder_layers,
        decoder_layers=decoder_layers,
        heads=heads,
        ffn_dim=ffn_dim,
        max_position_embeddings=1024,
        seed=seed,
        pad_vocab_to=vocab_size,
    )


def build_tiny_t5(
    out_dir: Path,
    *,
    vocab_size: int = 1000,
    d_model: int = 32,
    layers: int = 2,
    heads: int = 2,
    ffn_dim: int = 64,
    seed: int = 0,
    corpus: Iterable[str] | None = None,
) -> Path:
    """Write a tiny random ``T5ForConditionalGeneration`` checkpoint and return ``out_dir``.

    The tokenizer starts from a SentencePiece ``spiece.model`` with T5's special
    ids (``<pad>``=0, ``</s>``=1, ``<unk>``=2, no ``<s>``) plus the 100
    ``<extra_id_N>`` sentinels; converting it needs ``protobuf``. It is saved
    with ``save_pretrained`` so ``spiece.model`` *and* ``tokenizer.json`` are
    present and ``AutoTokenizer`` / ``AutoModelForSeq2SeqLM`` load it without
    any conversion at test time. The model's vocabulary is ``len(tokenizer)``
    (SentencePiece pieces + sentinels); ``vocab_size`` is only the soft target
    for SentencePiece. ``d_kv`` is ``d_model // heads`` as in t5-small.
    """
    _check_dims(vocab_size=vocab_size, d_model=d_model, layers=layers, heads=heads, ffn_dim=ffn_dim)
    import torch
    from transformers import GenerationConfig, T5Config, T5ForConditionalGeneration, T5Tokenizer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = _materialise_corpus(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        spm_file = _train_spm(lines, Path(tmp) / "spiece", vocab_size, _T5_SPM_IDS)
        spiece = out_dir / "spiece.model"
        spiece.write_bytes(spm_file.read_bytes())
    tokenizer = T5Tokenizer.from_pretrained(str(out_dir), model_max_length=512)
    tokenizer.save_pretrained(str(out_dir))
    pad_id = _token_id(tokenizer, "<pad>")
    eos_id = _token_id(tokenizer, "</s>")

    # Not a declared T5Config field, but every t5-* config.json carries it.
    t5_extras: dict[str, Any] = {"decoder_start_token_id": pad_id}
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=d_model,
        d_kv=d_model // heads,
        d_ff=ffn_dim,
        num_layers=layers,
        num_decoder_layers=layers,
        num_heads=heads,
        feed_forward_proj="relu",
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        architectures=["T5ForConditionalGeneration"],
        **t5_extras,
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config)
    model.generation_config = GenerationConfig.from_dict(
        {
            "eos_token_id": eos_id,
            "pad_token_id": pad_id,
            "decoder_start_token_id": pad_id,
            "num_beams": 4,
            "no_repeat_ngram_size": 3,
            "early_stopping": True,
            "max_length": 142,
        }
    )
    _save_model(model, out_dir)
    return out_dir
