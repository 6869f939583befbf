"""Page structure: which paragraphs of a page are the article, on team-written pages of each shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines import build_services, run
from pipelines.config import Config, IngestConfig, load_config
from pipelines.records import Article, RemovedLine
from pipelines.sources.files import read_file
from pipelines.sources.formats.registry import parse_text
from pipelines.store import LocalStore
from pipelines.store.reader import get_record
from pipelines.structure import Signals, analyse_page, structure_enabled

# Each page: its paragraphs as (class, text). "body" and "standfirst" are the article; "headline" is the
# title; everything else must be removed with that class.
PAGES: dict[str, list[tuple[str, str]]] = {
    "en-slash-breadcrumb": [
        ("navigation", "News   /   Business"),
        ("headline", "Shipping costs climb as carriers avoid the Red Sea route"),
        ("caption", "A container ship waits off the port of Rotterdam on Tuesday. (Photo by Reuters)"),
        (
            "body",
            "Freight rates between Asia and northern Europe rose for a fifth week as carriers sent ships "
            "around the Cape of Good Hope instead of through the Suez Canal.",
        ),
        (
            "body",
            "The longer route adds about ten days to each voyage and has tied up vessels that would "
            "otherwise be carrying goods, analysts said on Wednesday.",
        ),
        ("footer", "The site can also be accessed at the following alternate addresses:"),
        ("footer", "www.example-news.co.uk"),
        ("share", "SHARE THIS ARTICLE"),
    ],
    "fr-chevron-byline-related": [
        ("navigation", "Accueil › Culture › Cinéma"),
        ("headline", "Le festival de Cannes dévoile une sélection très européenne"),
        ("byline", "Par Claire Dubois, publié le 12 avril 2026 à 11h05"),
        (
            "body",
            "Les organisateurs du festival ont présenté jeudi les films en compétition, dont près de la "
            "moitié viennent de pays européens, une proportion inédite depuis dix ans.",
        ),
        (
            "body",
            "Trois premiers films figurent dans la liste, ce que le délégué général a présenté comme "
            "le signe d’un renouvellement des cinéastes invités sur la Croisette.",
        ),
        ("related", "Lire aussi"),
        ("related", "Les salles de cinéma retrouvent leur public"),
        ("related", "Palme d’or : les favoris de la critique"),
    ],
    "de-gt-credit-before-cookies": [
        ("navigation", "Startseite > Sport > Fußball"),
        ("headline", "Frauen-Bundesliga meldet Zuschauerrekord am ersten Spieltag"),
        ("caption", "Foto: imago/Sven Simon – Volle Ränge beim Eröffnungsspiel in Wolfsburg."),
        (
            "body",
            "Zum Saisonauftakt der Frauen-Bundesliga sind so viele Fans in die Stadien gekommen wie "
            "nie zuvor. Der Verband zählte am Wochenende mehr als 60.000 Besucher.",
        ),
        (
            "body",
            "Mehrere Vereine hatten ihre Spiele in die großen Arenen der Männer verlegt, weil die "
            "Nachfrage nach Karten die Erwartungen übertroffen hatte.",
        ),
        ("footer", "Wir verwenden Cookies, um die Website zu verbessern. Mehr in der Datenschutzerklärung."),
    ],
    "es-pipe-share-legal": [
        ("navigation", "Inicio | Economía"),
        ("headline", "El paro baja de los tres millones por primera vez desde 2008"),
        (
            "body",
            "El número de desempleados registrados cayó en mayo por debajo de los tres millones, una "
            "cifra que no se alcanzaba desde antes de la crisis financiera.",
        ),
        (
            "body",
            "El descenso se concentró en la hostelería y el comercio, impulsados por el inicio de la "
            "temporada turística en las costas y las islas.",
        ),
        ("share", "Compartir: Facebook X WhatsApp Copiar enlace"),
        ("footer", "© 2026 Diario Ejemplo. Todos los derechos reservados."),
    ],
    "ru-headline-first-byline": [
        ("headline", "В Москве открылся новый детский технопарк"),
        ("byline", "Автор: Мария Иванова"),
        ("byline", "Опубликовано 2 марта 2026, 12:40"),
        (
            "body",
            "В Москве начал работу детский технопарк, где школьники смогут бесплатно заниматься "
            "робототехникой, программированием и биотехнологиями.",
        ),
        (
            "body",
            "Занятия будут вести преподаватели московских вузов, а первые группы уже набраны на весь "
            "учебный год, сообщили в городском департаменте образования.",
        ),
        ("related", "Читайте также"),
        ("related", "Как записать ребёнка в кружок через портал"),
    ],
    "it-guillemet-credit-after-subscribe": [
        ("navigation", "Home » Esteri"),
        ("headline", "Grecia, nuove regole per i turisti sulle isole più affollate"),
        ("caption", "Turisti al porto di Santorini (foto Ansa)"),
        (
            "body",
            "Il governo greco ha annunciato un limite giornaliero agli sbarchi delle navi da crociera "
            "a Santorini e Mykonos a partire dalla prossima estate.",
        ),
        ("share", "Iscriviti alla nostra newsletter per ricevere le notizie del giorno."),
        (
            "body",
            "Gli operatori turistici temono un calo degli arrivi, mentre gli abitanti chiedono da anni "
            "misure per ridurre il traffico e il consumo di acqua sulle isole.",
        ),
    ],
    "zh-gt-credit": [
        ("navigation", "首页 > 财经"),
        ("headline", "国内多家银行下调存款利率"),
        ("caption", "图为某银行营业网点。（新华社记者 王强 摄）"),
        (
            "body",
            "多家国有大型银行今日宣布下调人民币存款挂牌利率，其中三年期和五年期定期存款利率下调幅度较大。",
        ),
        ("body", "分析人士认为，此举有助于降低银行负债成本，为进一步支持实体经济创造条件。"),
        ("share", "分享到：微信 微博"),
        ("footer", "版权所有 未经授权不得转载"),
    ],
    "ja-credit-after": [
        ("headline", "東京都、夏の電力需給に備え節電要請を検討"),
        ("byline", "2026年6月20日 18時10分"),
        ("caption", "都庁で記者会見する担当者＝ロイター"),
        (
            "body",
            "東京都は20日、今夏の電力需給が厳しくなる恐れがあるとして、"
            "都民や事業者に節電を呼びかける検討に入った。",
        ),
        ("body", "猛暑が続いた場合、電力の予備率が安定供給に必要な水準を下回る可能性があるという。"),
        ("related", "関連記事"),
        ("related", "電気料金、来月から値上げへ"),
    ],
    "ar-headline-first-share": [
        ("headline", "الأردن يطلق برنامجا لدعم الشركات الناشئة في مجال التكنولوجيا"),
        ("byline", "عمّان - بقلم سارة الخطيب"),
        (
            "body",
            "أطلقت الحكومة الأردنية يوم الأحد برنامجا جديدا لدعم الشركات الناشئة في قطاع التكنولوجيا، "
            "يتضمن تمويلا وتدريبا ومساحات عمل مشتركة.",
        ),
        (
            "body",
            "وقال وزير الاقتصاد الرقمي إن البرنامج يستهدف مئة شركة في عامه الأول، مع التركيز على "
            "المحافظات خارج العاصمة.",
        ),
        ("share", "شارك: فيسبوك تويتر واتساب"),
        ("footer", "جميع الحقوق محفوظة © 2026"),
    ],
}


def _text(paragraphs: list[tuple[str, str]], separator: str = "\n\n") -> str:
    return separator.join(text for _, text in paragraphs)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_paragraph_gets_its_class_and_the_headline_is_the_title(name: str) -> None:
    paragraphs = PAGES[name]
    page = analyse_page(_text(paragraphs))
    headline = next(text for cls, text in paragraphs if cls == "headline")
    assert page.title == headline
    assert [(block.cls, block.text) for block in page.blocks] == paragraphs
    assert page.text == "\n\n".join(text for cls, text in paragraphs if cls in ("body", "standfirst"))
    removed = [(cls, text) for cls, text in paragraphs if cls not in ("body", "standfirst", "headline")]
    assert [(line.cls, line.text) for line in page.removed] == removed


def test_paragraphs_on_single_lines_classify_alike() -> None:
    paragraphs = PAGES["en-slash-breadcrumb"]
    page = analyse_page(_text(paragraphs, "\n"))
    assert [(block.cls, block.text) for block in page.blocks] == paragraphs


def test_a_given_title_stays_and_the_repeated_headline_is_removed() -> None:
    paragraphs = PAGES["es-pipe-share-legal"]
    page = analyse_page(_text(paragraphs), title="El paro baja de los tres millones")
    assert page.title == "El paro baja de los tres millones"
    removed = [(line.cls, line.text) for line in page.removed]
    assert ("headline", paragraphs[1][1]) in removed
    assert "Compartir" not in page.text and "derechos" not in page.text


def test_a_short_text_with_no_body_paragraph_is_left_whole() -> None:
    page = analyse_page("Council meets\n\nIt met.")
    assert page.fallback and page.removed == [] and page.text == "Council meets\n\nIt met."


def test_hard_wrapped_paragraphs_are_joined_and_kept() -> None:
    wrapped = (
        "Harbour dredging to start in spring\n\n"
        "The port authority said on Monday that dredging of the outer harbour\n"
        "would start in April and last about six weeks, during which larger\n"
        "ships will use the northern berth.\n\n"
        "Fishing boats are not affected by the works, the authority added.\n"
    )
    page = analyse_page(wrapped)
    assert page.title == "Harbour dredging to start in spring"
    assert [block.cls for block in page.blocks] == ["headline", "body", "body"]
    assert "outer harbour would start in April" in page.text


def test_each_kind_of_evidence_can_be_switched_off() -> None:
    paragraphs = PAGES["en-slash-breadcrumb"]
    without_shape = analyse_page(_text(paragraphs), signals=Signals(shape=False))
    assert without_shape.title == "News   /   Business"  # the breadcrumb is taken for the headline
    without_credits = analyse_page(_text(paragraphs), signals=Signals(credits=False))
    assert without_credits.blocks[2].kept  # without its credit, the caption reads as a standfirst
    assert "(Photo by Reuters)" in without_credits.text


def test_structure_switch_per_source() -> None:
    assert structure_enabled({"*": True}, None)
    assert not structure_enabled({"*": True, "wire": False}, "wire")
    assert structure_enabled({"*": False, "paper": True}, "paper")
    assert not structure_enabled({"*": False}, "other")
    assert structure_enabled({}, "anything")


def test_removed_lines_serialise_with_a_class_key() -> None:
    line = RemovedLine(cls="caption", text="A caption (Photo by AFP)")
    assert json.loads(line.model_dump_json()) == {"class": "caption", "text": "A caption (Photo by AFP)"}
    assert RemovedLine.model_validate({"class": "footer", "text": "x"}).cls == "footer"


# ------------------------------------------------------------------------------------------ through ingest


def _article(results: list[object]) -> Article:
    assert len(results) == 1 and isinstance(results[0], Article), results
    return results[0]


def _check_cleaned(article: Article, paragraphs: list[tuple[str, str]]) -> None:
    removed = {(line.cls, line.text) for line in article.removed}
    for cls, text in paragraphs:
        if cls in ("body", "standfirst"):
            assert text in article.text
        elif cls == "headline":
            assert article.title == text and text not in article.text
        else:
            assert text not in article.text and (cls, text) in removed
    assert f"structure-removed:{len(article.removed)}" in article.flags


@pytest.mark.parametrize("name", ["en-slash-breadcrumb", "fr-chevron-byline-related", "zh-gt-credit"])
def test_text_files_are_cleaned_on_ingest(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.txt"
    path.write_text(_text(PAGES[name]), encoding="utf-8")
    _check_cleaned(_article(read_file(path, IngestConfig())), PAGES[name])


def test_markdown_is_cleaned_on_ingest(tmp_path: Path) -> None:
    paragraphs = PAGES["de-gt-credit-before-cookies"]
    markdown = "\n\n".join(f"# {text}" if cls == "headline" else text for cls, text in paragraphs)
    path = tmp_path / "page.md"
    path.write_text(markdown, encoding="utf-8")
    _check_cleaned(_article(read_file(path, IngestConfig())), paragraphs)


def test_a_json_item_keeps_its_title_and_loses_the_page_furniture() -> None:
    paragraphs = PAGES["it-guillemet-credit-after-subscribe"]
    item = json.dumps({"title": "Grecia, limiti alle crociere", "text": _text(paragraphs, "\n")})
    article = _article(parse_text(item, origin="feed.json", kind="json", config=IngestConfig()))
    assert article.title == "Grecia, limiti alle crociere"
    assert ("headline", paragraphs[1][1]) in {(line.cls, line.text) for line in article.removed}
    assert "foto Ansa" not in article.text and "newsletter" not in article.text
    assert "Santorini e Mykonos" in article.text and "consumo di acqua" in article.text


def test_a_json_item_without_a_title_gets_the_headline() -> None:
    paragraphs = PAGES["ru-headline-first-byline"]
    item = json.dumps({"text": _text(paragraphs)}, ensure_ascii=False)
    article = _article(parse_text(item, origin="item.json", kind="json", config=IngestConfig()))
    _check_cleaned(article, paragraphs)


def test_html_extraction_gets_a_second_pass() -> None:
    body = "".join(f"<p>{text}</p>" for cls, text in PAGES["en-slash-breadcrumb"] if cls != "headline")
    page = (
        "<html><head><title>Shipping costs climb</title></head><body><article>"
        f"<h1>Shipping costs climb as carriers avoid the Red Sea route</h1>{body}</article></body></html>"
    )
    article = _article(parse_text(page, origin="page.html", kind="html", config=IngestConfig()))
    assert "Photo by Reuters" not in article.text and "SHARE THIS ARTICLE" not in article.text
    assert "Freight rates between Asia" in article.text
    assert {"caption", "share"} <= {line.cls for line in article.removed}


def test_the_switch_turns_cleaning_off_for_one_source() -> None:
    paragraphs = PAGES["es-pipe-share-legal"]
    config = IngestConfig(structure={"*": True, "diario": False})
    off = json.dumps({"source": "diario", "title": "T", "text": _text(paragraphs)})
    on = json.dumps({"source": "otro", "title": "T", "text": _text(paragraphs)})
    kept = _article(parse_text(off, origin="a.json", kind="json", config=config))
    cleaned = _article(parse_text(on, origin="b.json", kind="json", config=config))
    assert kept.text == _text(paragraphs) and kept.removed == []
    assert "Compartir" not in cleaned.text and cleaned.removed


def test_switched_off_for_every_source_a_text_file_reads_as_before(tmp_path: Path) -> None:
    path = tmp_path / "page.txt"
    path.write_text(_text(PAGES["en-slash-breadcrumb"]), encoding="utf-8")
    article = _article(read_file(path, IngestConfig(structure={"*": False})))
    assert article.title == "News / Business"  # the first line, as before page structure
    assert "SHARE THIS ARTICLE" in article.text and article.removed == []


# ------------------------------------------------------------------------------------------ whole run


def test_a_run_publishes_the_headline_and_only_the_article(tiny_config: Config, tmp_path: Path) -> None:
    """Through the plain stages with tiny models: title, text and summaries hold no page furniture."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    english = PAGES["en-slash-breadcrumb"]
    french = PAGES["fr-chevron-byline-related"]
    (inputs / "en.txt").write_text(_text(english), encoding="utf-8")
    (inputs / "fr.txt").write_text(_text(french), encoding="utf-8")
    lead = {"method": "lead", "max_words": 60}
    config = load_config(
        None,
        {
            **tiny_config.model_dump(mode="json"),
            "summary.short": {**lead, "sentences": 1},
            "summary.long": {**lead, "sentences": 3, "max_words": 140},
        },
    )
    manifest = run([inputs], build_services(config)).manifest
    assert manifest.counts == {"published": 2}, [(e.origin, e.reason) for e in manifest.entries]
    store = LocalStore(Path(config.store.url))
    for entry, paragraphs in zip(
        sorted(manifest.entries, key=lambda e: e.origin), (english, french), strict=True
    ):
        record = get_record(store, entry.article_id)
        _check_cleaned(record.article, paragraphs)
        furniture = [text for cls, text in paragraphs if cls not in ("body", "standfirst", "headline")]
        headline = next(text for cls, text in paragraphs if cls == "headline")
        for summary in record.summaries:
            assert summary.text.strip()
            assert not any(text in summary.text for text in [*furniture, headline]), summary
    english_record = get_record(store, sorted(manifest.entries, key=lambda e: e.origin)[0].article_id)
    short = next(s for s in english_record.summaries if s.kind == "short")
    assert short.text.startswith("Freight rates between Asia")


def test_the_switch_applies_to_a_named_source_of_html_pages() -> None:
    """Feeds pass their source name along with each page, so a feed can be switched off alone."""
    body = "".join(f"<p>{text}</p>" for cls, text in PAGES["en-slash-breadcrumb"] if cls != "headline")
    page = f"<html><head><title>Shipping</title></head><body><article>{body}</article></body></html>"
    config = IngestConfig(structure={"*": True, "wire": False})
    off = _article(parse_text(page, origin="a.html", kind="html", config=config, source="wire"))
    on = _article(parse_text(page, origin="b.html", kind="html", config=config, source="paper"))
    assert "SHARE THIS ARTICLE" in off.text and off.removed == []
    assert "SHARE THIS ARTICLE" not in on.text and on.removed


WIRE_CLOSED = {
    "en": [
        "Storm closes ports along the coast",
        "High winds forced the closure of several ports along the coast on Monday, the coast guard said.",
        "Ferries to the islands should sail again on Wednesday once the storm has passed. (AFP)",
    ],
    "ja": [
        "東京で新しい美術館が開館",
        "東京都内で10日、新しい現代美術館が開館し、初日から多くの来館者が訪れた。",
        "展示は来年3月まで続く予定で、入館料は一般1500円となっている。（共同）",
    ],
}


@pytest.mark.parametrize("language", sorted(WIRE_CLOSED))
def test_a_wire_agency_in_brackets_closing_the_last_paragraph_keeps_it_in_the_body(language: str) -> None:
    page = analyse_page("\n\n".join(WIRE_CLOSED[language]))
    assert [block.cls for block in page.blocks] == ["headline", "body", "body"]


def test_a_headline_with_inline_markup_keeps_its_words_and_is_the_title(tmp_path: Path) -> None:
    text = (
        "Council <b>approves</b> budget for new schools\n\n"
        "The city council approved a budget of 4.2 million for two new schools on Tuesday, the mayor "
        "said after the vote.\n\nThe <em>first</em> school will open in 2028, officials said in a "
        "statement on Tuesday evening."
    )
    for name in ("page.txt", "page.md"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        article = _article(read_file(path, IngestConfig()))
        assert article.title == "Council approves budget for new schools"
        assert "navigation" not in {line.cls for line in article.removed}
        assert "The first school will open" in article.text and "<em>" not in article.text
    front = tmp_path / "front.md"
    front.write_text("---\ntitle: Council <i>approves</i> budget\n---\n" + text.split("\n\n", 1)[1])
    assert _article(read_file(front, IngestConfig())).title == "Council approves budget"


def test_text_that_merely_contains_angle_brackets_stays() -> None:
    from pipelines.structure.markup import strip_inline_markup

    assert strip_inline_markup("Inflation < 2% and rates > 4%") == "Inflation < 2% and rates > 4%"
    assert strip_inline_markup("a <unknown>tag</unknown>") == "a <unknown>tag</unknown>"


@pytest.mark.parametrize(
    "sentence",
    [
        "Follow us on the road: the minister said the remaining sections would open to traffic next "
        "spring, ahead of the revised schedule.",
        "All rights reserved for the workers, the union leader said, after the court ruled that "
        "overtime on the site must be paid in full.",
        "© The ministry said the figures for the third quarter showed the project was still within the "
        "budget approved by parliament.",
    ],
)
def test_a_long_body_sentence_starting_like_a_cue_stays_in_the_body(sentence: str) -> None:
    text = (
        "Minister opens first section of the coastal motorway\n\nThe transport minister opened the "
        "first section of the coastal motorway on Monday, after three years of work.\n\n"
        f"{sentence}\n\nThe next section, between the port and the airport, is due to open in 2028.\n\n"
        "Sign up for our newsletter: the day's top stories in your inbox.\n\n"
        "© 2026 Coastal Daily. All rights reserved."
    )
    page = analyse_page(text)
    classes = {block.text: block.cls for block in page.blocks}
    assert classes[sentence] == "body"
    assert classes["© 2026 Coastal Daily. All rights reserved."] == "footer"


def test_an_input_without_a_title_gets_one_from_its_first_sentence(tmp_path: Path) -> None:
    sentence = "The harbour reopened on Monday after a week of repairs to the northern quay"
    item = json.dumps({"text": f"{sentence}. Ferries run again. " + "More text follows here. " * 5})
    article = _article(parse_text(item, origin="a.json", kind="json", config=IngestConfig()))
    assert article.title == sentence and "title-from-text" in article.flags
    long = json.dumps({"text": "word " * 80 + "."})
    made = _article(parse_text(long, origin="b.json", kind="json", config=IngestConfig())).title
    assert made.endswith("…") and len(made) <= 110
