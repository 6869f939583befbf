"""Score page-structure cleaning on the team's scraped-page texts, beside today's baseline and ablations.

    PYTHONPATH=. python benchmarks/pages.py [--split dev|heldout1|heldout2|cases|all] [--details]

Each page in ``benchmarks/data/pages/<split>/`` is a text file of tagged paragraphs (format in the folder's
README). The page text given to the cleaner is the paragraphs without their tags, separated by a blank
line (a single newline for pages marked ``# join: line``), with inline HTML tags removed as a ``.txt``
input has them removed (:func:`pipelines.structure.markup.strip_inline_markup`); gold paragraphs are
compared without their tags too. ``cases/`` holds reproductions of reported misses (a headline with
``<b>``, body sentences that start like a share or footer cue). Per language and overall:

- **title**: share of pages whose title is the gold headline (whitespace and case aside);
- **boilerplate kept**: share of non-body paragraphs (everything but body and standfirst, the headline
  included) that reach the article text;
- **body lost**: share of body and standfirst paragraphs missing from the article text.

``baseline`` is the behaviour before page structure: first line = title, everything else kept.
``jusText alone`` keeps what jusText classifies good or near-good (stop-word list chosen by coverage of
the page's words; none for Chinese and Japanese) with the first line as title. ``full`` is
:func:`pipelines.structure.analyse_page`; each ``- X`` row switches one kind of evidence off.
"""

from __future__ import annotations

import argparse
import html
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipelines.structure import Signals, analyse_page
from pipelines.structure.classify import _JUSTEXT_LENGTHS, choose_stoplist
from pipelines.structure.markup import strip_inline_markup

DATA = Path(__file__).resolve().parent / "data" / "pages"
TAGS = frozenset({"nav", "title", "standfirst", "byline", "caption", "body", "related", "share", "footer"})
KEPT_TAGS = frozenset({"body", "standfirst"})
SPLITS = ("dev", "heldout1", "heldout2", "cases")


@dataclass
class Page:
    name: str
    split: str
    language: str
    shapes: list[str]
    paragraphs: list[tuple[str, str]]
    separator: str = "\n\n"

    @property
    def text(self) -> str:
        return self.separator.join(text for _, text in self.paragraphs)

    @property
    def title(self) -> str:
        return next(text for tag, text in self.paragraphs if tag == "title")


@dataclass
class Outcome:
    title: str
    kept: list[str]


@dataclass
class Tally:
    pages: int = 0
    titles: int = 0
    boilerplate: int = 0
    boilerplate_kept: int = 0
    body: int = 0
    body_lost: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.pages += other.pages
        self.titles += other.titles
        self.boilerplate += other.boilerplate
        self.boilerplate_kept += other.boilerplate_kept
        self.body += other.body
        self.body_lost += other.body_lost
        self.misses += other.misses


def load_pages(folder: Path, split: str) -> list[Page]:
    pages = []
    for path in sorted((folder / split).glob("*.txt")):
        header: dict[str, str] = {}
        paragraphs: list[tuple[str, str]] = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            if line.startswith("#"):
                key, _, value = line[1:].partition(":")
                header[key.strip()] = value.strip()
                continue
            tag, sep, text = line.partition(": ")
            if not sep or tag not in TAGS or not text.strip():
                raise SystemExit(f"{path}:{number}: expected 'TAG: text' with TAG one of {sorted(TAGS)}")
            paragraphs.append((tag, text.strip()))
        if sum(1 for tag, _ in paragraphs if tag == "title") != 1 or "lang" not in header:
            raise SystemExit(f"{path}: needs '# lang: xx' and exactly one 'title:' paragraph")
        pages.append(
            Page(
                name=path.stem,
                split=split,
                language=header["lang"],
                shapes=header.get("shapes", "").split(),
                paragraphs=paragraphs,
                separator="\n" if header.get("join") == "line" else "\n\n",
            )
        )
    return pages


def _norm(text: str) -> str:
    return " ".join(strip_inline_markup(text).casefold().split())


def score_page(page: Page, outcome: Outcome) -> Tally:
    kept = {_norm(text) for text in outcome.kept}
    tally = Tally(pages=1, titles=int(_norm(outcome.title) == _norm(page.title)))
    if not tally.titles:
        tally.misses.append(f"{page.name}: title {outcome.title[:60]!r}")
    for tag, text in page.paragraphs:
        present = _norm(text) in kept
        if tag in KEPT_TAGS:
            tally.body += 1
            if not present:
                tally.body_lost += 1
                tally.misses.append(f"{page.name}: lost {tag} {text[:60]!r}")
        else:
            tally.boilerplate += 1
            if present:
                tally.boilerplate_kept += 1
                tally.misses.append(f"{page.name}: kept {tag} {text[:60]!r}")
    return tally


def baseline(page: Page) -> Outcome:
    lines = [line.strip() for line in page.text.split("\n") if line.strip()]
    return Outcome(title=lines[0], kept=lines[1:])


def justext_alone(page: Page) -> Outcome:
    import justext

    lines = [line.strip() for line in page.text.split("\n") if line.strip()]
    stoplist = choose_stoplist(lines)
    words = justext.get_stoplist(stoplist) if stoplist else frozenset()
    document = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    paragraphs = justext.justext(f"<html><body>{document}</body></html>", words, **_JUSTEXT_LENGTHS)
    kept = [p.text for p in paragraphs if p.class_type in ("good", "neargood")]
    return Outcome(title=lines[0], kept=kept)


def structure(signals: Signals) -> Callable[[Page], Outcome]:
    def run(page: Page) -> Outcome:
        result = analyse_page(strip_inline_markup(page.text), signals=signals)
        return Outcome(title=result.title, kept=[block.text for block in result.blocks if block.kept])

    return run


def methods() -> dict[str, Callable[[Page], Outcome]]:
    full = Signals()
    found: dict[str, Callable[[Page], Outcome]] = {
        "baseline (first line = title, all kept)": baseline,
        "jusText alone": justext_alone,
        "full": structure(full),
    }
    for name in ("justext", "keywords", "credits", "shape", "punctuation", "position"):
        found[f"full - {name}"] = structure(replace(full, **{name: False}))
    return found


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _row(label: str, tally: Tally) -> str:
    return (
        f"| {label} | {tally.pages} | {_pct(tally.titles, tally.pages)} | "
        f"{_pct(tally.boilerplate_kept, tally.boilerplate)} ({tally.boilerplate_kept}/{tally.boilerplate}) | "
        f"{_pct(tally.body_lost, tally.body)} ({tally.body_lost}/{tally.body}) |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all")
    parser.add_argument("--details", action="store_true", help="list every miss of the full method")
    args = parser.parse_args(argv)
    splits = SPLITS if args.split == "all" else (args.split,)
    pages = [page for split in splits for page in load_pages(DATA, split)]
    if not pages:
        raise SystemExit(f"no pages under {DATA}")
    header = "| | pages | title | boilerplate kept | body lost |\n|---|---:|---:|---:|---:|"
    overall: dict[str, dict[str, Tally]] = {}
    seconds = 0.0
    for name, method in methods().items():
        per_split: dict[str, Tally] = defaultdict(Tally)
        per_language: dict[str, Tally] = defaultdict(Tally)
        for page in pages:
            started = time.perf_counter()
            outcome = method(page)
            if name == "full":
                seconds += time.perf_counter() - started
            tally = score_page(page, outcome)
            per_split[page.split].add(tally)
            per_split["all"].add(tally)
            per_language[page.language].add(tally)
        overall[name] = dict(per_split)
        if name == "full":
            print(f"## full, per language ({len(pages)} pages, splits: {', '.join(splits)})\n")
            print(header)
            for language in sorted(per_language):
                print(_row(language, per_language[language]))
            print(_row("**all**", per_split["all"]))
            print(f"\n{1000 * seconds / len(pages):.0f} ms per page (full, one process)\n")
            if args.details:
                for miss in per_split["all"].misses:
                    print(f"- {miss}")
                print()
    print("## methods and ablations\n")
    print("| method | split | pages | title | boilerplate kept | body lost |\n|---|---|---:|---:|---:|---:|")
    for name, per_split in overall.items():
        for split in (*splits, "all") if len(splits) > 1 else splits:
            print(_row(f"{name} | {split}", per_split[split]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
