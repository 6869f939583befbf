"""Train the small models the quality tests, benchmarks and ``make demo-tiny`` use (issue 22).

``python -m devtools.train_models OUT_DIR [--only NAME ...]`` writes, from fixed seeds, on CPU:

- ``marian-mul-en``: one ``MarianMTModel`` translating Spanish, French and German into English, with its
  own SentencePiece vocabularies (``source.spm`` for the three source languages, ``target.spm`` for
  English) and the opus-mt ``vocab.json`` layout;
- ``marian-en-es``: English into Spanish, for ``summary.output_languages``;
- ``bart-lead``: one ``BartForConditionalGeneration`` with a byte-level BPE tokenizer that writes the lead
  of an English article: with the prefix ``short: `` its first sentence, with ``long: `` its first three.

Each model directory gets a ``MODEL_CARD.md`` (seed, steps, hyperparameters, command, time, machine load)
and ``training.json`` (the same, machine-readable, with the loss curve and dev accuracy). Training stops
when the dev set (training-distribution sentences never in a training batch) is all exactly right at two
evaluations in a row, or at the step cap. :func:`reproduction_loss` retrains a few steps on one thread for
``tests/test_trained_models.py``.

Not installed with the product: this is how the committed files under ``devtools/models`` were made.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from devtools import synthetic_news as corpus

MODELS_DIR = Path(__file__).resolve().parent / "models"
SUMMARY_PREFIXES = {"short": "short: ", "long": "long: "}
LEAD_SENTENCES = {"short": 1, "long": 3}


@dataclass
class Recipe:
    """Hyperparameters of one model (recorded in its card)."""

    name: str
    seed: int
    d_model: int = 128
    layers: int = 2
    heads: int = 4
    ffn_dim: int = 512
    max_positions: int = 128
    learning_rate: float = 5e-4
    warmup_steps: int = 300
    batch_size: int = 64
    max_steps: int = 3000
    eval_every: int = 250
    train_examples: int = 60_000
    dev_examples: int = 150
    vocab_size: int = 2000
    dropout: float = 0.1
    threads: int = 2
    max_minutes: float = 0.0  # > 0: also stop after this much training time (recorded in the card)


RECIPES: dict[str, Recipe] = {
    "marian-mul-en": Recipe(
        "marian-mul-en",
        seed=11,
        learning_rate=1e-3,
        warmup_steps=200,
        batch_size=32,
        max_steps=6000,
        vocab_size=2500,
        dev_examples=64,
        eval_every=250,
    ),
    "marian-en-es": Recipe(
        "marian-en-es",
        seed=12,
        learning_rate=1e-3,
        warmup_steps=200,
        batch_size=32,
        max_steps=6000,
        train_examples=40_000,
        vocab_size=1500,
        dev_examples=64,
    ),
    "bart-lead": Recipe(
        "bart-lead",
        seed=13,
        learning_rate=1e-3,
        warmup_steps=200,
        max_positions=256,
        batch_size=16,
        max_steps=10_000,
        train_examples=30_000,
        dev_examples=32,
        eval_every=250,
        vocab_size=2000,
        dropout=0.0,  # a copying task on 30,000 examples: nothing to regularise, and it learns faster
    ),
}


@dataclass
class Log:
    """What a training run did, written to ``training.json`` and the model card."""

    steps: int = 0
    seconds: float = 0.0
    losses: list[tuple[int, float]] = field(default_factory=list)
    dev_exact: list[tuple[int, float]] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)


# ----------------------------------------------------------------------------------------------- data
def translation_data(name: str, count: int, seed: int) -> list[tuple[str, str]]:
    """(source, target) pairs for model ``name``: the three languages interleaved, or English->Spanish."""
    if name == "marian-en-es":
        return [(pair.english, pair.source) for pair in corpus.training_pairs("es", count, seed=seed)]
    per_language = [
        list(corpus.training_pairs(lang, count // 3, seed=seed)) for lang in corpus.SOURCE_LANGUAGES
    ]
    return [(pair.source, pair.english) for row in zip(*per_language, strict=True) for pair in row]


def _fits(count_tokens: Callable[[str], int], text: str, budget: int) -> bool:
    return count_tokens(text) <= budget


def summary_data(
    count: int, seed: int, count_tokens: Callable[[str], int], budget: int
) -> list[tuple[str, str]]:
    """(prefixed input, lead) pairs shaped like what the pipeline feeds the summarizer.

    Half the inputs are whole English articles as the translation engine reassembles them (sentences
    joined by a space, paragraphs by a blank line), cut to the paragraphs that fit ``budget`` tokens;
    the other half are runs of consecutive sentences joined by a space, starting anywhere, as the
    map-reduce chunks and joined chunk summaries of :mod:`pipelines.summarize.mapreduce` are. Targets are
    the first sentence (``short``) or the first three (``long``) of the input.
    """
    rng = random.Random(f"summary-data:{seed}")
    examples: list[tuple[str, str]] = []
    articles = corpus.training_articles("es", count, seed=seed)
    for item in articles:
        kind = "short" if rng.random() < 0.5 else "long"
        if rng.random() < 0.5:
            paragraphs = [" ".join(pair.english for pair in paragraph) for paragraph in item.paragraphs]
            while len(paragraphs) > 1 and not _fits(count_tokens, "\n\n".join(paragraphs), budget):
                paragraphs.pop()
            text = "\n\n".join(paragraphs)
            sentences = [pair.english for pair in item.sentences][: sum(len(p) for p in item.paragraphs)]
        else:
            english = [pair.english for pair in item.sentences]
            start = rng.randrange(len(english))
            length = rng.randint(1, len(english) - start)
            sentences = english[start : start + length]
            while len(sentences) > 1 and not _fits(count_tokens, " ".join(sentences), budget):
                sentences.pop()
            text = " ".join(sentences)
        if not _fits(count_tokens, text, budget):
            continue
        examples.append((SUMMARY_PREFIXES[kind] + text, " ".join(sentences[: LEAD_SENTENCES[kind]])))
    return examples


# ------------------------------------------------------------------------------------------ tokenizers
def _train_spm(lines: Sequence[str], vocab_size: int) -> bytes:
    import sentencepiece as spm

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
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
    )
    return model.getvalue()


def _pieces(model_bytes: bytes) -> list[str]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=model_bytes)
    return [
        processor.id_to_piece(i)
        for i in range(processor.get_piece_size())
        if not (processor.is_unknown(i) or processor.is_control(i))
    ]


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def build_marian_tokenizer(out: Path, pairs: Sequence[tuple[str, str]], recipe: Recipe) -> Any:
    """source.spm, target.spm and a joint vocab.json (``</s>``=0, ``<unk>``=1, pieces, ``<pad>`` last)."""
    from transformers import MarianTokenizer

    out.mkdir(parents=True, exist_ok=True)
    sample = pairs[:20_000]
    source = _train_spm([s for s, _ in sample], recipe.vocab_size)
    target = _train_spm([t for _, t in sample], recipe.vocab_size)
    (out / "source.spm").write_bytes(source)
    (out / "target.spm").write_bytes(target)
    tokens = ["</s>", "<unk>"]
    seen = set(tokens)
    for piece in [*_pieces(source), *_pieces(target)]:
        if piece not in seen:
            seen.add(piece)
            tokens.append(piece)
    tokens.append("<pad>")
    _write_json(out / "vocab.json", {token: index for index, token in enumerate(tokens)})
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "MarianTokenizer",
            "source_lang": "mul" if recipe.name == "marian-mul-en" else "en",
            "target_lang": "es" if recipe.name == "marian-en-es" else "en",
            "separate_vocabs": False,
            "model_max_length": recipe.max_positions,
            "eos_token": "</s>",
            "unk_token": "<unk>",
            "pad_token": "<pad>",
        },
    )
    return MarianTokenizer.from_pretrained(str(out))


def build_bart_tokenizer(out: Path, texts: Sequence[str], recipe: Recipe) -> Any:
    """A byte-level BPE with BART's special tokens, saved as a loadable ``BartTokenizer``."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import BartTokenizer

    out.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=recipe.vocab_size,
        min_frequency=2,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(list(texts), trainer=trainer)
    bpe.model.save(str(out))
    tokenizer = BartTokenizer.from_pretrained(str(out), model_max_length=recipe.max_positions)
    tokenizer.save_pretrained(str(out))
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(out))


# ------------------------------------------------------------------------------------------------ models
def marian_model(tokenizer: Any, recipe: Recipe) -> Any:
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    pad = tokenizer.pad_token_id
    # Extra fields the opus-mt configs carry and CTranslate2's converter reads.
    extras: dict[str, Any] = {
        "normalize_before": False,
        "normalize_embedding": False,
        "static_position_embeddings": True,
    }
    config = MarianConfig(
        vocab_size=len(tokenizer.encoder),
        decoder_vocab_size=len(tokenizer.encoder),
        d_model=recipe.d_model,
        encoder_layers=recipe.layers,
        decoder_layers=recipe.layers,
        encoder_attention_heads=recipe.heads,
        decoder_attention_heads=recipe.heads,
        encoder_ffn_dim=recipe.ffn_dim,
        decoder_ffn_dim=recipe.ffn_dim,
        max_position_embeddings=recipe.max_positions,
        activation_function="swish",
        dropout=recipe.dropout,
        attention_dropout=0.0,
        activation_dropout=0.0,
        # Without it the sinusoidal positions drown the 0.02-std embeddings and nothing is learned.
        scale_embedding=True,
        pad_token_id=pad,
        eos_token_id=0,
        bos_token_id=0,
        forced_eos_token_id=0,
        decoder_start_token_id=pad,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        architectures=["MarianMTModel"],
        **extras,
    )
    torch.manual_seed(recipe.seed)
    model = MarianMTModel(config)
    model.generation_config = GenerationConfig.from_dict(
        {
            "bos_token_id": 0,
            "eos_token_id": 0,
            "pad_token_id": pad,
            "decoder_start_token_id": pad,
            "forced_eos_token_id": 0,
            "bad_words_ids": [[pad]],
            "num_beams": 4,
            "max_length": recipe.max_positions,
        }
    )
    return model


def bart_model(tokenizer: Any, recipe: Recipe) -> Any:
    import torch
    from transformers import BartConfig, BartForConditionalGeneration, GenerationConfig

    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in ("<s>", "<pad>", "</s>")}
    extras: dict[str, Any] = {"normalize_before": False}  # read by CTranslate2's BART converter
    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=recipe.d_model,
        encoder_layers=recipe.layers,
        decoder_layers=recipe.layers,
        encoder_attention_heads=recipe.heads,
        decoder_attention_heads=recipe.heads,
        encoder_ffn_dim=recipe.ffn_dim,
        decoder_ffn_dim=recipe.ffn_dim,
        max_position_embeddings=recipe.max_positions,
        dropout=recipe.dropout,
        bos_token_id=ids["<s>"],
        pad_token_id=ids["<pad>"],
        eos_token_id=ids["</s>"],
        decoder_start_token_id=ids["</s>"],
        forced_eos_token_id=ids["</s>"],
        architectures=["BartForConditionalGeneration"],
        **extras,
    )
    torch.manual_seed(recipe.seed)
    model = BartForConditionalGeneration(config)
    model.generation_config = GenerationConfig.from_dict(
        {
            "bos_token_id": ids["<s>"],
            "eos_token_id": ids["</s>"],
            "pad_token_id": ids["<pad>"],
            "decoder_start_token_id": ids["</s>"],
            "forced_eos_token_id": ids["</s>"],
            "num_beams": 4,
            "max_length": recipe.max_positions,
        }
    )
    return model


# -------------------------------------------------------------------------------------------- training
def encode(tokenizer: Any, pairs: Sequence[tuple[str, str]]) -> list[tuple[list[int], list[int]]]:
    sources = tokenizer([s for s, _ in pairs])["input_ids"]
    targets = tokenizer(text_target=[t for _, t in pairs])["input_ids"]
    return list(zip(sources, targets, strict=True))


def batches(encoded: Sequence[tuple[list[int], list[int]]], size: int, rng: random.Random) -> list[list[int]]:
    """Indices in batches of similar source length (less padding), the batch order shuffled."""
    order = list(range(len(encoded)))
    rng.shuffle(order)
    found: list[list[int]] = []
    for start in range(0, len(order), size * 50):
        window = sorted(order[start : start + size * 50], key=lambda i: len(encoded[i][0]))
        found.extend(window[k : k + size] for k in range(0, len(window), size))
    rng.shuffle(found)
    return [batch for batch in found if len(batch) == size]


def collate(encoded: Sequence[tuple[list[int], list[int]]], batch: Sequence[int], pad: int) -> dict[str, Any]:
    import torch

    sources = [encoded[i][0] for i in batch]
    targets = [encoded[i][1] for i in batch]
    width, depth = max(map(len, sources)), max(map(len, targets))
    input_ids = torch.tensor([row + [pad] * (width - len(row)) for row in sources])
    mask = torch.tensor([[1] * len(row) + [0] * (width - len(row)) for row in sources])
    labels = torch.tensor([row + [-100] * (depth - len(row)) for row in targets])
    return {"input_ids": input_ids, "attention_mask": mask, "labels": labels}


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def learning_rate(step: int, recipe: Recipe) -> float:
    """Linear warm-up, then inverse square root decay (the Transformer schedule)."""
    if step <= recipe.warmup_steps:
        return recipe.learning_rate * step / recipe.warmup_steps
    return float(recipe.learning_rate * (recipe.warmup_steps / step) ** 0.5)


def exact_match(model: Any, tokenizer: Any, pairs: Sequence[tuple[str, str]], max_new: int) -> float:
    import torch

    model.eval()
    right = 0
    with torch.inference_mode():
        for start in range(0, len(pairs), 32):
            chunk = pairs[start : start + 32]
            batch = tokenizer([s for s, _ in chunk], return_tensors="pt", padding=True)
            out = model.generate(
                **batch, num_beams=1, do_sample=False, max_new_tokens=max_new, max_length=None
            )
            texts = tokenizer.batch_decode(out, skip_special_tokens=True)
            right += sum(text.strip() == target for text, (_, target) in zip(texts, chunk, strict=True))
    model.train()
    return right / len(pairs)


def train(
    model: Any,
    tokenizer: Any,
    train_pairs: Sequence[tuple[str, str]],
    dev_pairs: Sequence[tuple[str, str]],
    recipe: Recipe,
    *,
    max_new: int,
    steps: int | None = None,
    evaluate: bool = True,
) -> Log:
    """AdamW on shuffled, length-bucketed batches until the dev set is all right twice, or ``steps``."""
    import torch

    torch.manual_seed(recipe.seed)
    rng = random.Random(recipe.seed)
    encoded = encode(tokenizer, train_pairs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.learning_rate, weight_decay=0.01)
    pad = tokenizer.pad_token_id
    # Marian decoders start from <pad>, and opus-mt and CTranslate2 take its embedding to be zero (the
    # converter starts the decoder from a zero vector). The tied output layer would train that row away
    # from zero, and CTranslate2 would then drop each output's first word: keep it at zero.
    start_from_zero = model.config.decoder_start_token_id == pad
    embeddings = model.get_input_embeddings()
    if start_from_zero:
        with torch.no_grad():
            embeddings.weight[pad].zero_()
    cap = steps if steps is not None else recipe.max_steps
    log = Log(load_before=os.getloadavg())
    started = time.monotonic()
    model.train()
    step = 0
    perfect = 0
    running: list[float] = []
    while step < cap:
        for batch in batches(encoded, recipe.batch_size, rng):
            step += 1
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, recipe)
            loss = model(**collate(encoded, batch, pad)).loss
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            if start_from_zero:
                with torch.no_grad():
                    embeddings.weight[pad].zero_()
            running.append(loss.item())
            if step % 50 == 0 or step == cap:
                log.losses.append((step, sum(running) / len(running)))
                running = []
                elapsed = time.monotonic() - started
                _say(f"{recipe.name} step {step} loss {log.losses[-1][1]:.4f} {elapsed:.0f}s")
            if evaluate and step % recipe.eval_every == 0:
                score = exact_match(model, tokenizer, dev_pairs, max_new)
                log.dev_exact.append((step, score))
                _say(f"{recipe.name} step {step} dev exact {score:.3f}")
                perfect = perfect + 1 if score == 1.0 else 0
                if perfect >= 2:
                    cap = step
            if recipe.max_minutes and time.monotonic() - started > recipe.max_minutes * 60:
                cap = step
            if step >= cap:
                break
    log.steps = step
    log.seconds = time.monotonic() - started
    log.load_after = os.getloadavg()
    model.eval()
    return log


def _configure_torch(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def prepare(
    name: str, out: Path, recipe: Recipe
) -> tuple[Any, Any, list[tuple[str, str]], list[tuple[str, str]], int]:
    """Tokenizer, fresh model, training and dev pairs, and the generation cap for model ``name``."""
    if name.startswith("marian"):
        pairs = translation_data(name, recipe.train_examples + recipe.dev_examples, recipe.seed)
        rng = random.Random(recipe.seed)
        rng.shuffle(pairs)
        dev, train_pairs = pairs[: recipe.dev_examples], pairs[recipe.dev_examples :]
        tokenizer = build_marian_tokenizer(out, train_pairs, recipe)
        return tokenizer, marian_model(tokenizer, recipe), train_pairs, dev, recipe.max_positions - 2
    english = [item.english_text for item in corpus.training_articles("es", 3000, seed=recipe.seed + 1000)]
    tokenizer = build_bart_tokenizer(out, [*english, *SUMMARY_PREFIXES.values()], recipe)

    def count(text: str) -> int:
        return len(tokenizer(text)["input_ids"])

    # The prefix is added after the length check, and the count includes <s> and </s>: leave room for it.
    prefix_tokens = max(
        len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in SUMMARY_PREFIXES.values()
    )
    budget = recipe.max_positions - prefix_tokens
    pairs = summary_data(recipe.train_examples + recipe.dev_examples, recipe.seed, count, budget)
    dev, train_pairs = pairs[: recipe.dev_examples], pairs[recipe.dev_examples :]
    return tokenizer, bart_model(tokenizer, recipe), train_pairs, dev, 200


def _card(name: str, recipe: Recipe, log: Log, parameters: int, command: str) -> str:
    what = {
        "marian-mul-en": (
            "MarianMTModel translating Spanish, French and German sentences (and headlines) into English. "
            "One multilingual model rather than one per language: the English side (decoder, target "
            "vocabulary) is shared and learned once from three times the data, the three source "
            "vocabularies barely overlap so no language tag is needed, and one training run fits the CPU "
            "budget where three would not."
        ),
        "marian-en-es": (
            "MarianMTModel translating English into Spanish, trained on the same grammar reversed; it "
            "serves `summary.output_languages: [es]` (summaries translated back into Spanish)."
        ),
        "bart-lead": (
            "BartForConditionalGeneration writing the lead of an English article: with the prefix "
            "`short: ` the first sentence, with `long: ` the first three (one model for both, told apart "
            "by `summary.short.prefix` / `summary.long.prefix`, so it is loaded once). Inputs are shaped "
            "like what the pipeline feeds it: whole translated articles (sentences joined by a space, "
            "paragraphs by a blank line) cut to what fits, and runs of sentences joined by a space, "
            "starting anywhere, as map-reduce chunks and joined chunk summaries are."
        ),
    }[name]
    dev = ", ".join(f"{step}: {score:.1%}" for step, score in log.dev_exact) or "not evaluated"
    before, after = ("/".join(f"{value:.1f}" for value in load) for load in (log.load_before, log.load_after))
    rows = [
        ("command", f"`{command}`"),
        ("data seed / torch seed", str(recipe.seed)),
        ("training examples", str(recipe.train_examples)),
        (
            "steps",
            f"{log.steps} (stops when the {recipe.dev_examples} dev examples are all exactly right twice, "
            f"at {recipe.max_steps} steps, or after {recipe.max_minutes or 'no limit of'} minutes)",
        ),
        ("parameters", f"{parameters:,}"),
        (
            "d_model / layers / heads / FFN",
            f"{recipe.d_model} / {recipe.layers}+{recipe.layers} / {recipe.heads} / {recipe.ffn_dim}",
        ),
        ("max positions", str(recipe.max_positions)),
        (
            "optimiser",
            f"AdamW lr {recipe.learning_rate}, weight decay 0.01, {recipe.warmup_steps} warm-up steps then "
            "inverse square root, gradient clip 1.0",
        ),
        ("batch", f"{recipe.batch_size} (length-bucketed)"),
        ("dropout", str(recipe.dropout)),
        ("vocabulary target", str(recipe.vocab_size)),
        ("dev exact match (greedy) by step", dev),
        ("final training loss", f"{log.losses[-1][1] if log.losses else float('nan'):.4f}"),
        (
            "training time",
            f"{log.seconds:.0f} s on {recipe.threads} torch thread(s), {platform.machine()} CPU",
        ),
        ("load average (1/5/15 min) before / after", f"{before} / {after} (2 cores shared with other jobs)"),
    ]
    table = "\n".join(f"| {key} | {value} |" for key, value in rows)
    return (
        f"# {name}\n\n{what}\n\n"
        "Trained from scratch by `devtools/train_models.py` on the synthetic corpus of\n"
        "`devtools/synthetic_news.py` (templates in es/fr/de/en; held-out articles never trained on).\n"
        "These are test fixtures: they know only the synthetic grammar.\n\n"
        f"| | |\n|---|---|\n{table}\n"
    )


def train_one(name: str, out_root: Path, command: str) -> Log:
    recipe = RECIPES[name]
    _configure_torch(recipe.threads)
    out = out_root / name
    tokenizer, model, train_pairs, dev, max_new = prepare(name, out, recipe)
    log = train(model, tokenizer, train_pairs, dev, recipe, max_new=max_new)
    model.save_pretrained(str(out))
    parameters = sum(p.numel() for p in model.parameters())
    _write_json(
        out / "training.json", {"recipe": asdict(recipe), "log": asdict(log), "parameters": parameters}
    )
    (out / "MODEL_CARD.md").write_text(_card(name, recipe, log, parameters, command), encoding="utf-8")
    return log


# ------------------------------------------------------------------------------------------ reproduction
REPRODUCTION_STEPS = 8


def reproduction_loss(name: str, workdir: Path, steps: int = REPRODUCTION_STEPS) -> float:
    """Mean training loss of the last of ``steps`` steps retrained from the recipe's seed on one thread.

    Smaller data (a few hundred examples) than the real run, so it takes seconds; the tokenizer is
    trained afresh the same way, so this checks the whole recipe (data, tokenizer, init, optimiser).
    """
    import dataclasses

    recipe = dataclasses.replace(
        RECIPES[name], train_examples=600, dev_examples=10, threads=1, warmup_steps=4, batch_size=16
    )
    _configure_torch(1)
    tokenizer, model, train_pairs, dev, max_new = prepare(name, workdir / name, recipe)
    log = train(model, tokenizer, train_pairs, dev, recipe, max_new=max_new, steps=steps, evaluate=False)
    return log.losses[-1][1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="where the model directories are written")
    parser.add_argument("--only", nargs="*", choices=sorted(RECIPES), help="train only these models")
    parser.add_argument("--max-minutes", type=float, default=0.0, help="also stop after this much training")
    parser.add_argument(
        "--record-reproduction", action="store_true", help="also write reproduction.json (the test's losses)"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    command = "python -m devtools.train_models " + " ".join(sys.argv[1:] if argv is None else argv)
    for name in args.only or list(RECIPES):
        RECIPES[name].max_minutes = args.max_minutes
        train_one(name, args.out_dir, command)
    if args.record_reproduction:
        record_reproduction(args.out_dir)
    return 0


def record_reproduction(out_dir: Path) -> None:
    """Write ``reproduction.json``: every recipe's :func:`reproduction_loss` (seconds, no full training)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        losses = {name: reproduction_loss(name, Path(tmp)) for name in RECIPES}
    _write_json(out_dir / "reproduction.json", {"steps": REPRODUCTION_STEPS, "losses": losses})


if __name__ == "__main__":
    raise SystemExit(main())
