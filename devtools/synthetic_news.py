"""A synthetic bilingual news corpus: template sentences in Spanish, French and German with English.

Every sentence comes from a small grammar with real words (people, places, organisations, numbers,
amounts, months, weekdays) and is produced in four languages at once, so the right translation of each
source sentence is known. The source languages reorder what English does not:

- Spanish and French put most adjectives after the noun (``el plan económico`` = ``the economic plan``);
- German puts the verb at the end of subordinate clauses (``..., dass die Regierung in Wien 300 Schulen
  bauen wird``), splits separable verbs (``nahmen ... teil``) and uses the accusative;
- numbers are written the local way (``12.500`` / ``12 500`` / ``12,500``; ``3,5`` / ``3.5``).

Articles have a title and several paragraphs; their *lead* (first sentence, first three sentences) is
what the trained summarizer writes. Everything is drawn from :class:`random.Random` seeded with a string
naming the split, the language and the number, so the same call always gives the same text. The held-out
split (:data:`HELD_OUT`) uses other seeds than training, and the training data leaves out every sentence
that any of the first :data:`HELD_OUT_RESERVED` held-out articles contains (:func:`held_out_sentences`), so
the quality tests never see a sentence the models were trained on.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SOURCE_LANGUAGES = ("es", "fr", "de")
TRAIN = "train"
HELD_OUT = "held-out"
HELD_OUT_RESERVED = 400  # held-out articles per language whose sentences training never sees

PEOPLE = (
    "Ana García",
    "Pierre Martin",
    "Klaus Weber",
    "Maria Rossi",
    "Lucía Fernández",
    "Sophie Dubois",
    "Thomas Müller",
    "Elena Petrova",
    "Carlos Ruiz",
    "Julien Bernard",
    "Anna Schmidt",
    "Marco Bianchi",
    "Isabel Torres",
    "Claire Laurent",
    "Stefan Wagner",
    "Laura Moreno",
    "Nicolas Petit",
    "Jonas Becker",
    "Sara Jiménez",
    "Camille Roux",
    "Lukas Hoffmann",
    "Paula Navarro",
    "Hugo Lefèvre",
    "Lena Schulz",
    "Diego Romero",
    "Emma Fontaine",
    "Felix Richter",
    "Carmen Ortega",
    "Louis Garnier",
    "Hanna Krüger",
    "Javier Molina",
    "Alice Mercier",
    "Paul Neumann",
    "Teresa Castro",
    "Antoine Girard",
    "Miriam Braun",
)

# (es, fr, de, en) of each item; entries with an article carry it in every language.
PLACES = (
    ("Madrid", "Madrid", "Madrid", "Madrid"),
    ("Londres", "Londres", "London", "London"),
    ("Múnich", "Munich", "München", "Munich"),
    ("Colonia", "Cologne", "Köln", "Cologne"),
    ("Viena", "Vienne", "Wien", "Vienna"),
    ("Ginebra", "Genève", "Genf", "Geneva"),
    ("Bruselas", "Bruxelles", "Brüssel", "Brussels"),
    ("Lisboa", "Lisbonne", "Lissabon", "Lisbon"),
    ("Roma", "Rome", "Rom", "Rome"),
    ("Atenas", "Athènes", "Athen", "Athens"),
    ("Varsovia", "Varsovie", "Warschau", "Warsaw"),
    ("Praga", "Prague", "Prag", "Prague"),
    ("Sevilla", "Séville", "Sevilla", "Seville"),
    ("Marsella", "Marseille", "Marseille", "Marseille"),
    ("Berlín", "Berlin", "Berlin", "Berlin"),
    ("París", "Paris", "Paris", "Paris"),
    ("Hamburgo", "Hambourg", "Hamburg", "Hamburg"),
    ("Copenhague", "Copenhague", "Kopenhagen", "Copenhagen"),
    ("Milán", "Milan", "Mailand", "Milan"),
    ("Florencia", "Florence", "Florenz", "Florence"),
    ("Zúrich", "Zurich", "Zürich", "Zurich"),
    ("Estocolmo", "Stockholm", "Stockholm", "Stockholm"),
    ("Ámsterdam", "Amsterdam", "Amsterdam", "Amsterdam"),
    ("Lyon", "Lyon", "Lyon", "Lyon"),
)

ROLES = (
    ("el ministro de Sanidad", "le ministre de la Santé", "der Gesundheitsminister", "the health minister"),
    (
        "la alcaldesa de la ciudad",
        "la maire de la ville",
        "die Bürgermeisterin der Stadt",
        "the mayor of the city",
    ),
    (
        "el portavoz del Gobierno",
        "le porte-parole du gouvernement",
        "der Sprecher der Regierung",
        "the government spokesman",
    ),
    (
        "la directora del hospital",
        "la directrice de l'hôpital",
        "die Direktorin des Krankenhauses",
        "the director of the hospital",
    ),
    (
        "el presidente de la empresa",
        "le président de l'entreprise",
        "der Chef des Unternehmens",
        "the head of the company",
    ),
    ("la jefa de la policía", "la cheffe de la police", "die Polizeichefin", "the police chief"),
    (
        "el ministro de Economía",
        "le ministre de l'Économie",
        "der Wirtschaftsminister",
        "the economy minister",
    ),
    (
        "la ministra de Educación",
        "la ministre de l'Éducation",
        "die Bildungsministerin",
        "the education minister",
    ),
    ("el líder sindical", "le dirigeant syndical", "der Gewerkschaftsführer", "the union leader"),
    (
        "la rectora de la universidad",
        "la présidente de l'université",
        "die Rektorin der Universität",
        "the head of the university",
    ),
    (
        "el director del museo",
        "le directeur du musée",
        "der Direktor des Museums",
        "the director of the museum",
    ),
    (
        "la ministra de Transportes",
        "la ministre des Transports",
        "die Verkehrsministerin",
        "the transport minister",
    ),
)

ORGANISATIONS = (
    ("el Gobierno", "le gouvernement", "die Regierung", "the government"),
    ("el Ayuntamiento", "la mairie", "die Stadtverwaltung", "the city council"),
    ("la empresa ferroviaria", "la compagnie ferroviaire", "die Bahngesellschaft", "the railway company"),
    (
        "el Ministerio de Sanidad",
        "le ministère de la Santé",
        "das Gesundheitsministerium",
        "the health ministry",
    ),
    ("la universidad", "l'université", "die Universität", "the university"),
    ("el banco central", "la banque centrale", "die Zentralbank", "the central bank"),
    ("la oficina de estadística", "l'office de la statistique", "das Statistikamt", "the statistics office"),
    ("el sindicato", "le syndicat", "die Gewerkschaft", "the union"),
    ("la compañía eléctrica", "la compagnie d'électricité", "der Stromkonzern", "the power company"),
    ("el grupo automovilístico", "le groupe automobile", "der Autokonzern", "the car maker"),
    ("la agencia espacial", "l'agence spatiale", "die Raumfahrtagentur", "the space agency"),
    ("el hospital regional", "l'hôpital régional", "das Regionalkrankenhaus", "the regional hospital"),
    (
        "la asociación de vecinos",
        "l'association des habitants",
        "der Anwohnerverein",
        "the residents' association",
    ),
    (
        "la cadena de supermercados",
        "la chaîne de supermarchés",
        "die Supermarktkette",
        "the supermarket chain",
    ),
)

THINGS = (  # plural objects of the future-tense verbs
    ("viviendas", "logements", "Wohnungen", "homes"),
    ("escuelas", "écoles", "Schulen", "schools"),
    ("autobuses eléctricos", "bus électriques", "Elektrobusse", "electric buses"),
    ("puestos de trabajo", "emplois", "Arbeitsplätze", "jobs"),
    ("camas de hospital", "lits d'hôpital", "Krankenhausbetten", "hospital beds"),
    ("trenes nuevos", "trains neufs", "neue Züge", "new trains"),
    ("árboles", "arbres", "Bäume", "trees"),
    ("paneles solares", "panneaux solaires", "Solarmodule", "solar panels"),
    ("bicicletas públicas", "vélos publics", "öffentliche Fahrräder", "public bicycles"),
    ("parques infantiles", "aires de jeux", "Spielplätze", "playgrounds"),
    ("coches eléctricos", "voitures électriques", "Elektroautos", "electric cars"),
    ("estaciones de carga", "bornes de recharge", "Ladestationen", "charging stations"),
    ("ordenadores portátiles", "ordinateurs portables", "Laptops", "laptops"),
    ("plazas de aparcamiento", "places de parking", "Parkplätze", "parking spaces"),
)

VERBS = (  # (es future, fr future, de infinitive, en infinitive)
    ("construirá", "construira", "bauen", "build"),
    ("comprará", "achètera", "kaufen", "buy"),
    ("creará", "créera", "schaffen", "create"),
    ("instalará", "installera", "installieren", "install"),
    ("renovará", "rénovera", "renovieren", "renovate"),
    ("venderá", "vendra", "verkaufen", "sell"),
    ("plantará", "plantera", "pflanzen", "plant"),
    ("ofrecerá", "offrira", "anbieten", "offer"),
)

# (es noun, es gender, fr noun, fr gender, de noun, de gender, en noun)
NOUNS = (
    ("plan", "m", "plan", "m", "Plan", "m", "plan"),
    ("reforma", "f", "réforme", "f", "Reform", "f", "reform"),
    ("presupuesto", "m", "budget", "m", "Haushalt", "m", "budget"),
    ("ley", "f", "loi", "f", "Gesetz", "n", "law"),
    ("proyecto", "m", "projet", "m", "Projekt", "n", "project"),
    ("estrategia", "f", "stratégie", "f", "Strategie", "f", "strategy"),
    ("programa", "m", "programme", "m", "Programm", "n", "programme"),
    ("acuerdo", "m", "accord", "m", "Abkommen", "n", "agreement"),
    ("informe", "m", "rapport", "m", "Bericht", "m", "report"),
    ("política", "f", "politique", "f", "Politik", "f", "policy"),
)

# (es masculine, es feminine, fr masculine, fr feminine, de stem, en)
ADJECTIVES = (
    ("económico", "económica", "économique", "économique", "wirtschaftlich", "economic"),
    ("nacional", "nacional", "national", "nationale", "national", "national"),
    ("regional", "regional", "régional", "régionale", "regional", "regional"),
    ("social", "social", "social", "sociale", "sozial", "social"),
    ("ambiental", "ambiental", "environnemental", "environnementale", "ökologisch", "environmental"),
    ("europeo", "europea", "européen", "européenne", "europäisch", "European"),
    ("fiscal", "fiscal", "fiscal", "fiscale", "steuerlich", "tax"),
    ("sanitario", "sanitaria", "sanitaire", "sanitaire", "medizinisch", "medical"),
    ("urbano", "urbana", "urbain", "urbaine", "städtisch", "urban"),
    ("digital", "digital", "numérique", "numérique", "digital", "digital"),
    ("polémico", "polémica", "controversé", "controversée", "umstritten", "controversial"),
)

INDICATORS = (
    ("el desempleo", "le chômage", "die Arbeitslosigkeit", "unemployment"),
    ("el precio de la vivienda", "le prix des logements", "der Preis für Wohnungen", "the price of housing"),
    ("el número de turistas", "le nombre de touristes", "die Zahl der Touristen", "the number of tourists"),
    (
        "la producción industrial",
        "la production industrielle",
        "die Industrieproduktion",
        "industrial output",
    ),
    (
        "el precio de la electricidad",
        "le prix de l'électricité",
        "der Strompreis",
        "the price of electricity",
    ),
    ("el tráfico aéreo", "le trafic aérien", "der Flugverkehr", "air traffic"),
    ("la venta de coches", "la vente de voitures", "der Verkauf von Autos", "car sales"),
    ("el consumo de agua", "la consommation d'eau", "der Wasserverbrauch", "water consumption"),
)

DIRECTIONS = (("subió", "a augmenté", "stieg", "rose"), ("bajó", "a baissé", "sank", "fell"))

MONTHS = (
    ("enero", "janvier", "Januar", "January"),
    ("febrero", "février", "Februar", "February"),
    ("marzo", "mars", "März", "March"),
    ("abril", "avril", "April", "April"),
    ("mayo", "mai", "Mai", "May"),
    ("junio", "juin", "Juni", "June"),
    ("julio", "juillet", "Juli", "July"),
    ("agosto", "août", "August", "August"),
    ("septiembre", "septembre", "September", "September"),
    ("octubre", "octobre", "Oktober", "October"),
    ("noviembre", "novembre", "November", "November"),
    ("diciembre", "décembre", "Dezember", "December"),
)

WEEKDAYS = (
    ("lunes", "lundi", "Montag", "Monday"),
    ("martes", "mardi", "Dienstag", "Tuesday"),
    ("miércoles", "mercredi", "Mittwoch", "Wednesday"),
    ("jueves", "jeudi", "Donnerstag", "Thursday"),
    ("viernes", "vendredi", "Freitag", "Friday"),
    ("sábado", "samedi", "Samstag", "Saturday"),
    ("domingo", "dimanche", "Sonntag", "Sunday"),
)

_INDEX = {"es": 0, "fr": 1, "de": 2, "en": 3}


@dataclass(frozen=True)
class Pair:
    """One sentence in a source language and its English translation."""

    language: str
    source: str
    english: str


@dataclass(frozen=True)
class Article:
    """A generated article: a title and paragraphs of sentences, in the source language and in English."""

    language: str
    seed: str
    title: Pair
    paragraphs: tuple[tuple[Pair, ...], ...]

    @property
    def source_text(self) -> str:
        """The body as ingested: sentences joined by spaces, paragraphs by a blank line."""
        return "\n\n".join(" ".join(pair.source for pair in paragraph) for paragraph in self.paragraphs)

    @property
    def english_text(self) -> str:
        return "\n\n".join(" ".join(pair.english for pair in paragraph) for paragraph in self.paragraphs)

    @property
    def sentences(self) -> list[Pair]:
        return [pair for paragraph in self.paragraphs for pair in paragraph]

    def lead(self, count: int) -> str:
        """The first ``count`` English sentences joined by a space: the expected summary."""
        return " ".join(pair.english for pair in self.sentences[:count])

    def file_text(self) -> str:
        """The article as a ``.txt`` source file: title line, blank line, paragraphs."""
        return f"{self.title.source}\n\n{self.source_text}\n"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _decimal(whole: int, tenth: int, lang: str) -> str:
    return f"{whole}.{tenth}" if lang == "en" else f"{whole},{tenth}"


def _noun_phrase(rng: random.Random) -> dict[str, str]:
    """A definite noun phrase with an adjective: nominative and accusative (German) forms per language."""
    es, es_g, fr, fr_g, de, de_g, en = rng.choice(NOUNS)
    a_es_m, a_es_f, a_fr_m, a_fr_f, a_de, a_en = rng.choice(ADJECTIVES)
    es_np = f"{'el' if es_g == 'm' else 'la'} {es} {a_es_m if es_g == 'm' else a_es_f}"
    fr_article = "l'" if fr[0] in "aeéiouh" else ("le " if fr_g == "m" else "la ")
    fr_np = f"{fr_article}{fr} {a_fr_m if fr_g == 'm' else a_fr_f}"
    nominative = {"m": "der", "f": "die", "n": "das"}[de_g]
    accusative = {"m": "den", "f": "die", "n": "das"}[de_g]
    de_nom = f"{nominative} {a_de}e {de}"
    de_acc = f"{accusative} {a_de}{'en' if de_g == 'm' else 'e'} {de}"
    return {"es": es_np, "fr": fr_np, "de": de_nom, "de_acc": de_acc, "en": f"the {a_en} {en}"}


def _pick(rng: random.Random, table: tuple[tuple[str, ...], ...]) -> dict[str, str]:
    row = rng.choice(table)
    return {lang: row[i] for lang, i in _INDEX.items()}


def _said(rng: random.Random) -> dict[str, str]:
    person, role, org = rng.choice(PEOPLE), _pick(rng, ROLES), _pick(rng, ORGANISATIONS)
    verb, things, place, day = _pick(rng, VERBS), _pick(rng, THINGS), _pick(rng, PLACES), _pick(rng, WEEKDAYS)
    value = rng.randrange(20, 990, 10)
    n = {lang: str(value) for lang in _INDEX}
    return {
        "es": f"{person}, {role['es']}, dijo el {day['es']} que {org['es']} {verb['es']} {n['es']} "
        f"{things['es']} en {place['es']}.",
        "fr": f"{person}, {role['fr']}, a déclaré {day['fr']} que {org['fr']} {verb['fr']} {n['fr']} "
        f"{things['fr']} à {place['fr']}.",
        "de": f"{person}, {role['de']}, sagte am {day['de']}, dass {org['de']} in {place['de']} {n['de']} "
        f"{things['de']} {verb['de']} wird.",
        "en": f"{person}, {role['en']}, said on {day['en']} that {org['en']} will {verb['en']} {n['en']} "
        f"{things['en']} in {place['en']}.",
    }


def _meeting(rng: random.Random) -> dict[str, str]:
    first, second = rng.sample(PEOPLE, 2)
    place, day, topic = _pick(rng, PLACES), _pick(rng, WEEKDAYS), _noun_phrase(rng)
    return {
        "es": f"{first} se reunió el {day['es']} con {second} en {place['es']} para hablar sobre "
        f"{topic['es']}.",
        "fr": f"{first} a rencontré {second} {day['fr']} à {place['fr']} pour examiner {topic['fr']}.",
        "de": f"{first} traf sich am {day['de']} in {place['de']} mit {second}, um {topic['de_acc']} zu "
        "besprechen.",
        "en": f"{first} met {second} in {place['en']} on {day['en']} to discuss {topic['en']}.",
    }


def _percent(rng: random.Random) -> dict[str, str]:
    indicator, direction = _pick(rng, INDICATORS), _pick(rng, DIRECTIONS)
    month, org, day = _pick(rng, MONTHS), _pick(rng, ORGANISATIONS), _pick(rng, WEEKDAYS)
    whole, tenth = rng.randrange(1, 20), rng.randrange(1, 10)
    pct = {lang: _decimal(whole, tenth, lang) for lang in _INDEX}
    return {
        "es": f"{_cap(indicator['es'])} {direction['es']} un {pct['es']} por ciento en {month['es']}, según "
        f"informó {org['es']} el {day['es']}.",
        "fr": f"{_cap(indicator['fr'])} {direction['fr']} de {pct['fr']} pour cent en {month['fr']}, "
        f"a indiqué {org['fr']} {day['fr']}.",
        "de": f"{_cap(indicator['de'])} {direction['de']} im {month['de']} um {pct['de']} Prozent, wie "
        f"{org['de']} am {day['de']} mitteilte.",
        "en": f"{_cap(indicator['en'])} {direction['en']} by {pct['en']} percent in {month['en']}, "
        f"{org['en']} said on {day['en']}.",
    }


def _invest(rng: random.Random) -> dict[str, str]:
    org, topic, place = _pick(rng, ORGANISATIONS), _noun_phrase(rng), _pick(rng, PLACES)
    whole, tenth = rng.randrange(2, 90), rng.randrange(1, 10)
    amount = {lang: _decimal(whole, tenth, lang) for lang in _INDEX}
    return {
        "es": f"{_cap(org['es'])} invertirá {amount['es']} millones de euros en {topic['es']} de "
        f"{place['es']}.",
        "fr": f"{_cap(org['fr'])} investira {amount['fr']} millions d'euros dans {topic['fr']} à "
        f"{place['fr']}.",
        "de": f"{_cap(org['de'])} wird {amount['de']} Millionen Euro in {topic['de_acc']} von {place['de']} "
        "investieren.",
        "en": f"{_cap(org['en'])} will invest {amount['en']} million euros in {topic['en']} of "
        f"{place['en']}.",
    }


def _protest(rng: random.Random) -> dict[str, str]:
    topic, place, day = _noun_phrase(rng), _pick(rng, PLACES), _pick(rng, WEEKDAYS)
    value = rng.randrange(1_000, 60_000, 100)
    high, low = divmod(value, 1000)
    n = {lang: f"{high}{sep}{low:03d}" for lang, sep in (("es", "."), ("fr", " "), ("de", "."), ("en", ","))}
    return {
        "es": f"Más de {n['es']} personas participaron el {day['es']} en una manifestación en {place['es']} "
        f"contra {topic['es']}.",
        "fr": f"Plus de {n['fr']} personnes ont participé {day['fr']} à une manifestation à {place['fr']} "
        f"contre {topic['fr']}.",
        "de": f"Mehr als {n['de']} Menschen nahmen am {day['de']} in {place['de']} an einer Demonstration "
        f"gegen {topic['de_acc']} teil.",
        "en": f"More than {n['en']} people took part in a protest against {topic['en']} in {place['en']} on "
        f"{day['en']}.",
    }


def _present(rng: random.Random) -> dict[str, str]:
    org, topic, place, month = (
        _pick(rng, ORGANISATIONS),
        _noun_phrase(rng),
        _pick(rng, PLACES),
        _pick(rng, MONTHS),
    )
    person, role = rng.choice(PEOPLE), _pick(rng, ROLES)
    return {
        "es": f"{_cap(org['es'])} presentará {topic['es']} en {month['es']} en {place['es']}, "
        f"según {person}, {role['es']}.",
        "fr": f"{_cap(org['fr'])} présentera {topic['fr']} en {month['fr']} à {place['fr']}, selon {person}, "
        f"{role['fr']}.",
        "de": f"{_cap(org['de'])} wird {topic['de_acc']} im {month['de']} in {place['de']} vorstellen, sagte "
        f"{person}, {role['de']}.",
        "en": f"{_cap(org['en'])} will present {topic['en']} in {place['en']} in {month['en']}, "
        f"said {person}, {role['en']}.",
    }


_TEMPLATES = (_said, _meeting, _percent, _invest, _protest, _present)


def _title(rng: random.Random) -> dict[str, str]:
    """A headline: no final full stop, shorter than a sentence."""
    place = _pick(rng, PLACES)
    if rng.random() < 0.5:
        org = _pick(rng, ORGANISATIONS)
        whole = rng.randrange(2, 90)
        return {
            "es": f"{_cap(org['es'])} invertirá {whole} millones de euros en {place['es']}",
            "fr": f"{_cap(org['fr'])} investira {whole} millions d'euros à {place['fr']}",
            "de": f"{_cap(org['de'])} investiert {whole} Millionen Euro in {place['de']}",
            "en": f"{_cap(org['en'])} to invest {whole} million euros in {place['en']}",
        }
    topic = _noun_phrase(rng)
    return {
        "es": f"Gran protesta en {place['es']} contra {topic['es']}",
        "fr": f"Grande manifestation à {place['fr']} contre {topic['fr']}",
        "de": f"Großer Protest in {place['de']} gegen {topic['de_acc']}",
        "en": f"Large protest in {place['en']} against {topic['en']}",
    }


def _rng(split: str, language: str, number: int) -> random.Random:
    # A string seed is hashed with SHA-512 by random.seed: the same on every run and Python version.
    return random.Random(f"newsdigest-synthetic:{split}:{language}:{number}")


def sentence(rng: random.Random, language: str) -> Pair:
    """One sentence of a random template in ``language`` with its English translation."""
    row = rng.choice(_TEMPLATES)(rng)
    return Pair(language, row[language], row["en"])


def article(
    language: str, number: int, *, split: str = HELD_OUT, paragraphs: tuple[int, int] = (3, 4)
) -> Article:
    """Article ``number`` of ``split`` in ``language``: a title and 3-4 paragraphs of 1-3 sentences.

    ``paragraphs`` bounds the paragraph count (inclusive); a larger range makes long articles.
    """
    if language not in SOURCE_LANGUAGES:
        raise ValueError(f"no synthetic grammar for {language!r}; choose one of {SOURCE_LANGUAGES}")
    rng = _rng(split, language, number)
    title = _title(rng)
    body: list[tuple[Pair, ...]] = []
    for index in range(rng.randint(*paragraphs)):
        # The lead paragraph has three sentences, so the long summary (three sentences) has them all there.
        count = 3 if index == 0 else rng.randint(1, 3)
        body.append(tuple(sentence(rng, language) for _ in range(count)))
    return Article(
        language, f"{split}:{language}:{number}", Pair(language, title[language], title["en"]), tuple(body)
    )


def articles(
    language: str, count: int, *, split: str = HELD_OUT, start: int = 0, paragraphs: tuple[int, int] = (3, 4)
) -> list[Article]:
    return [
        article(language, number, split=split, paragraphs=paragraphs)
        for number in range(start, start + count)
    ]


@cache
def held_out_sentences() -> frozenset[str]:
    """Every source sentence and title of the reserved held-out articles (and their English side)."""
    found: set[str] = set()
    for language in SOURCE_LANGUAGES:
        for item in articles(language, HELD_OUT_RESERVED):
            for pair in [item.title, *item.sentences]:
                found.update((pair.source, pair.english))
        for item in articles(language, 10, start=HELD_OUT_RESERVED, paragraphs=(8, 9)):
            for pair in [item.title, *item.sentences]:
                found.update((pair.source, pair.english))
    return frozenset(found)


def training_pairs(language: str, count: int, *, seed: int = 0) -> Iterator[Pair]:
    """``count`` training sentences and titles (one in eight a title), none of them held out."""
    rng = _rng(f"{TRAIN}-pairs-{seed}", language, 0)
    reserved = held_out_sentences()
    made = 0
    while made < count:
        if rng.random() < 0.125:
            row = _title(rng)
            pair = Pair(language, row[language], row["en"])
        else:
            pair = sentence(rng, language)
        if pair.source in reserved or pair.english in reserved:
            continue
        made += 1
        yield pair


def training_articles(language: str, count: int, *, seed: int = 0) -> Iterator[Article]:
    """Training articles (split ``train-<seed>``) with no held-out sentence in them."""
    reserved = held_out_sentences()
    number = 0
    made = 0
    while made < count:
        item = article(language, number, split=f"{TRAIN}-{seed}", paragraphs=(2, 9))
        number += 1
        if any(pair.source in reserved or pair.english in reserved for pair in item.sentences):
            continue
        made += 1
        yield item


def write_articles(folder: Path, language_count: int = 2, *, start: int = 0) -> list[Path]:
    """Write ``language_count`` held-out articles per source language as ``.txt`` files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for language in SOURCE_LANGUAGES:
        for item in articles(language, language_count, start=start):
            path = folder / f"{language}-synthetic-{item.seed.rsplit(':', 1)[1]}.txt"
            path.write_text(item.file_text(), encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m devtools.synthetic_news DIR [--per-language N]``: write held-out example articles."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--per-language", type=int, default=2)
    args = parser.parse_args(argv)
    for path in write_articles(args.folder, args.per_language):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
