"""The text of an article or a gallery, derived from its spec and the seed alone.

Pure functions: the same (seed, site number, spec) always gives the same title, entities and
paragraphs, so a page can be rendered on demand and the truth recomputed without storing text.
Entities are chosen first and every template slot is filled from them, which is what makes the
truth's series/classes/manufacturers/car numbers exact.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from samplesite.model import ArticleSpec, GallerySpec
from samplesite.vocabulary import (
    AUTHORS,
    CLASSLESS_MODELS,
    DRIVERS,
    EN_ORDINALS,
    ENTRIES,
    FR_ORDINALS,
    PLACES,
    SERIES_LABELS,
    SERIES_WEIGHTS,
    TEXTS,
    Entry,
    series_classes,
)

T = TypeVar("T")
DEALT = ("race", "quote", "quote_more")
_SERIES_NAMES = [name for name, _ in SERIES_WEIGHTS]
_SERIES_WEIGHTS = [weight for _, weight in SERIES_WEIGHTS]


@dataclass(frozen=True, slots=True)
class Car:
    """An entry as one article uses it: one car number and its drivers."""

    entry: Entry
    number: int
    drivers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Head:
    """What listings, links and sitemaps need about an article: cheap to derive."""

    title: str
    slug: str
    language: str
    series: str
    series_label: str
    place: str
    year: int
    cars: tuple[Car, ...]
    author: str

    @property
    def classes(self) -> tuple[str, ...]:
        return _unique(c.entry.cls for c in self.cars if c.entry.cls)

    @property
    def manufacturers(self) -> tuple[str, ...]:
        return _unique(c.entry.manufacturer for c in self.cars)

    @property
    def car_numbers(self) -> tuple[str, ...]:
        return _unique(str(c.number) for c in self.cars)

    @property
    def tags(self) -> tuple[str, ...]:
        """Tag names as the site shows them: series, then classes, then manufacturers."""
        return _unique((self.series_label, *self.classes, *self.manufacturers))


@dataclass(frozen=True, slots=True)
class Body:
    """An article's body: paragraphs plus where the page chrome inserts its widgets."""

    paragraphs: tuple[str, ...]
    gallery_caption: str | None
    caption_after: tuple[int, ...]
    related_after: tuple[int, ...]
    lead_rest: str


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@lru_cache(maxsize=1024)
def tag_slug(tag: str) -> str:
    """Slug of a tag page; few distinct tags, so cached."""
    return slugify(tag)


def slugify(text: str) -> str:
    """URL slug: accents stripped, lowercase words joined by hyphens, at most 8 words."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words[:8]) or "article"


def initials(name: str) -> str:
    """'Gilles Nérot' -> 'G.N.': how datelines sign an article."""
    return "".join(part[0] + "." for part in re.split(r"[\s-]+", name) if part)


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice`` at a third of its cost (it matters when 100,000 bodies are drawn)."""
    return items[int(rng.random() * len(items))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint`` (both ends included), cheaper."""
    return low + int(rng.random() * (high - low + 1))


def _rng(seed: int, site_no: int, item: int, stream: int) -> random.Random:
    return random.Random((seed << 40) ^ (site_no << 34) ^ (item << 3) ^ stream)


@lru_cache(maxsize=512)
def _pool(cls: str, year: int, series: str) -> tuple[Entry, ...]:
    """Entries that ran in a class that season (classless series: by car model)."""
    if not cls:
        models = CLASSLESS_MODELS[series]
        return tuple(e for e in ENTRIES if not e.cls and e.model in models)
    return tuple(e for e in ENTRIES if e.cls == cls and e.first_year <= year <= e.last_year)


def _pick_cars(rng: random.Random, series: str, year: int) -> tuple[Car, ...]:
    classes = series_classes(series, year)
    if classes:
        chosen = rng.sample(classes, k=min(len(classes), _pick(rng, (1, 1, 2))))
        pools = [_pool(cls, year, series) for cls in chosen]
    else:
        pools = [_pool("", year, series)]
    entries: list[Entry] = []
    for pool in pools:
        if pool:
            entries.extend(rng.sample(pool, k=min(len(pool), _pick(rng, (1, 2)))))
    if not entries:  # a season with no listed entry for the drawn class: LMP2 always ran
        entries = [e for e in ENTRIES if e.cls == "LMP2" and e.team == "United Autosports"]
    drivers = rng.sample(DRIVERS, k=3 * len(entries))
    return tuple(
        Car(entry, _pick(rng, entry.numbers), tuple(drivers[3 * i : 3 * i + _pick(rng, (2, 3))]))
        for i, entry in enumerate(entries)
    )


def _number(rng: random.Random, language: str, number: int) -> str:
    if language == "fr":
        return f"n°{number}" if rng.random() < 0.5 else f"#{number}"
    return f"No. {number}" if rng.random() < 0.5 else f"#{number}"


def _car_words(rng: random.Random, language: str, car: Car) -> tuple[str, str]:
    """The car as a phrase with its article, and without it (English possessives)."""
    num = _number(rng, language, car.number)
    if language == "fr":
        article = "l'" if car.entry.model[0] in "AEIOU" else "la "
        phrase = f"{article}{car.entry.model} {num}"
        return phrase, phrase
    bare = f"{num} {car.entry.model}"
    return f"the {bare}", bare


class _Slots(dict):
    """Template slot values drawn on first use: a sentence only pays for the slots it names,
    and the draws still happen in a deterministic order (the template's)."""

    def __init__(self, rng: random.Random, head: Head, car: Car) -> None:
        super().__init__()
        self.rng, self.head, self.car = rng, head, car

    def __missing__(self, key: str) -> str:
        value = self._draw(key)
        self[key] = value
        return value

    def _draw(self, key: str) -> str:
        rng, head, car = self.rng, self.head, self.car
        fr = head.language == "fr"
        if key == "series":
            return _pick(rng, SERIES_LABELS[head.series][head.language])
        if key == "place":
            return head.place
        if key == "year":
            return str(head.year)
        if key in ("car", "carx"):
            phrase, bare = _car_words(rng, head.language, car)
            self["car"], self["carx"] = phrase, bare
            return phrase if key == "car" else bare
        if key == "team":
            return car.entry.team
        if key == "cls":
            return car.entry.cls
        if key == "driver":
            return _pick(rng, car.drivers)
        if key == "driver2":
            driver = self["driver"]
            others = [d for c in head.cars for d in c.drivers if d != driver]
            return _pick(rng, others or [driver])
        if key == "time":
            minutes, seconds = _between(rng, 1, 3), _between(rng, 0, 59)
            millis = _between(rng, 0, 999)
            if fr:
                return f"{minutes}'{seconds:02d}\"{millis:03d}"
            return f"{minutes}:{seconds:02d}.{millis:03d}"
        if key == "laps":
            return str(_between(rng, 40, 380))
        if key == "gap":
            return f"{_between(rng, 1, 59)}{',' if fr else '.'}{_between(rng, 0, 9)}"
        if key == "pos":
            return _pick(rng, FR_ORDINALS if fr else EN_ORDINALS)
        if key == "hours":
            return "24" if head.series == "Le Mans 24 Hours" else str(_pick(rng, (4, 6, 8, 12)))
        if key == "short":
            return _pick(rng, TEXTS[head.language]["short"])
        raise KeyError(key)


# French contractions the templates cannot know in advance ("à Le Mans" -> "au Mans",
# "de ELMS" -> "d'ELMS", "le IMSA" -> "l'IMSA").
_FR_CONTRACTIONS = (
    (re.compile(r"\b(du|de|Le|le) 24 Heures du Mans"), lambda m: _FR_PLURAL[m.group(1)]),
    (re.compile(r"\bà Le (?=[A-Z])"), lambda m: "au "),
    (re.compile(r"\bde Le (?=[A-Z])"), lambda m: "du "),
    (re.compile(r"\b(de|du) ([AEIOU])"), lambda m: "d'" + m.group(2)),
    (re.compile(r"\b(Le|le) ([AEIOU])"), lambda m: m.group(1)[0] + "'" + m.group(2)),
)
_FR_PLURAL = {
    "du": "des 24 Heures du Mans",
    "de": "des 24 Heures du Mans",
    "Le": "Les 24 Heures du Mans",
    "le": "les 24 Heures du Mans",
}


def _fill(template: str, slots: _Slots) -> str:
    """A template with its slots filled, French contractions applied."""
    text = template.format_map(slots)
    if slots.head.language == "fr":
        for pattern, repl in _FR_CONTRACTIONS:
            text = pattern.sub(repl, text)
    return text


def _slots(rng: random.Random, head: Head, car: Car) -> _Slots:
    return _Slots(rng, head, car)


def _sentence(rng: random.Random, head: Head, car: Car, templates: tuple[str, ...]) -> str:
    if not car.entry.cls:
        templates = tuple(t for t in templates if "{cls}" not in t) or templates
    text = _fill(_pick(rng, templates), _slots(rng, head, car))
    return text[0].upper() + text[1:]


def _title(rng: random.Random, head: Head) -> str:
    return _sentence(rng, head, head.cars[0], TEXTS[head.language]["titles"])


def _entities(
    seed: int, site_no: int, language: str, spec: ArticleSpec
) -> tuple[random.Random, Head]:
    """The entity draws, which come first in the article's head stream; the title follows."""
    rng = _rng(seed, site_no, spec.article_id, 1)
    series = rng.choices(_SERIES_NAMES, _SERIES_WEIGHTS)[0]
    year = spec.published.year
    place = _pick(rng, PLACES[series][language])
    cars = _pick_cars(rng, series, year)
    label = SERIES_LABELS[series][language][0]
    author = AUTHORS[language][spec.author % len(AUTHORS[language])]
    return rng, Head("", "", language, series, label, place, year, cars, author)


def article_tags(seed: int, site_no: int, language: str, spec: ArticleSpec) -> tuple[str, ...]:
    """A native article's tags without drawing its title: what the tag index needs."""
    return _entities(seed, site_no, language, spec)[1].tags


@lru_cache(maxsize=32768)
def article_head(seed: int, site_no: int, language: str, spec: ArticleSpec) -> Head:
    """Title, entities and author of a native article (copies: see ``copy_head``)."""
    rng, head = _entities(seed, site_no, language, spec)
    return _with_title(head, _title(rng, head))


def _with_title(head: Head, title: str) -> Head:
    return Head(
        title,
        slugify(title),
        head.language,
        head.series,
        head.series_label,
        head.place,
        head.year,
        head.cars,
        head.author,
    )


def copy_head(seed: int, site_no: int, original: Head, spec: ArticleSpec, author: str) -> Head:
    """A republished copy keeps the original's entities and language, maybe not its headline."""
    head = Head(
        original.title,
        original.slug,
        original.language,
        original.series,
        original.series_label,
        original.place,
        original.year,
        original.cars,
        author,
    )
    assert spec.copy_of is not None
    if not spec.copy_of.new_headline:
        return head
    rng = _rng(seed, site_no, spec.article_id, 5)
    for _ in range(20):
        title = _title(rng, head)
        if title != original.title:
            return _with_title(head, title)
    return _with_title(head, original.title + " (communiqué)")


def _lead(rng: random.Random, head: Head) -> tuple[int, str, str]:
    """Paragraph count, first paragraph and its sentence about the first car: the first draws
    of the body stream, so a teaser's excerpt costs a fraction of the whole body."""
    texts = TEXTS[head.language]
    count = _between(rng, 4, 10)
    car = head.cars[0]
    opening = _fill(_pick(rng, texts["opening"]), _slots(rng, head, car))
    lead_rest = _sentence(rng, head, car, _entry_templates(texts, car))
    first = f"{opening} {lead_rest}"
    if rng.random() < 0.35:
        first = f"{initials(head.author)}, {head.place} - {first}"
    return count, first, lead_rest


@lru_cache(maxsize=8192)
def article_lead(seed: int, site_no: int, head: Head, article_id: int) -> str:
    """The first paragraph of a native article, identical to ``article_body(...)[0]``."""
    return _lead(_rng(seed, site_no, article_id, 2), head)[1]


@lru_cache(maxsize=4096)
def article_body(seed: int, site_no: int, head: Head, article_id: int, gallery: bool) -> Body:
    """The paragraphs of a native article, its dateline included, in edition 1."""
    rng = _rng(seed, site_no, article_id, 2)
    texts = TEXTS[head.language]
    cars = head.cars
    count, first, lead_rest = _lead(rng, head)
    paragraphs = [first]
    pending = list(cars[1:])
    decks = {kind: list(texts[kind]) for kind in DEALT}

    def deal(kind: str) -> str | None:
        """Templates are dealt once per article: no sentence or quote repeats in a body."""
        deck = decks[kind]
        return deck.pop(int(rng.random() * len(deck))) if deck else None

    while len(paragraphs) < count:
        car = _pick(rng, cars)
        races = [deal("race") for _ in range(_pick(rng, (1, 2, 2, 3, 3, 4, 5)))]
        if pending:
            car = pending.pop(0)
            sentences = [_sentence(rng, head, car, _entry_templates(texts, car))]
            sentences += [_sentence(rng, head, _pick(rng, cars), (t,)) for t in races[:2] if t]
            paragraphs.append(" ".join(sentences))
        elif (rng.random() < 0.3 or not races[0]) and (quote := deal("quote")):
            tail = _pick(rng, texts["quote_tail"])
            paragraphs.append(_fill(f"{quote} {tail}", _slots(rng, head, car)))
            if rng.random() < 0.4 and len(paragraphs) < count and (more := deal("quote_more")):
                paragraphs.append(_sentence(rng, head, car, (more,)))
        elif races[0]:
            sentences = [_sentence(rng, head, _pick(rng, cars), (t,)) for t in races if t]
            paragraphs.append(" ".join(sentences))
        else:
            break  # every template used: a shorter article rather than a repeated sentence
    count = len(paragraphs)
    caption = None
    caption_after: tuple[int, ...] = ()
    if gallery:
        event = head.series_label
        if head.place not in event:  # "24 Heures du Mans" already says where
            event = f"{event} {head.place}"
        caption = f"{head.year} - {event}"
        caption_after = tuple(sorted(rng.sample(range(count - 1), k=min(count - 1, 3))))
    related_after = tuple(sorted(rng.sample(range(1, count - 1), k=min(count - 2, 2))))
    return Body(tuple(paragraphs), caption, caption_after, related_after, lead_rest)


def _entry_templates(texts: dict, car: Car) -> tuple[str, ...]:
    """Entry sentences name the car's class, so the class is always in the text."""
    return texts["entry"] if car.entry.cls else texts["entry_nocls"]


def edited_paragraphs(seed: int, site_no: int, head: Head, body: Body, article_id: int):
    """Edition 2 of an edited article: one sentence added, one update paragraph appended."""
    texts = TEXTS[head.language]
    rng = _rng(seed, site_no, article_id, 3)
    paragraphs = list(body.paragraphs)
    paragraphs[1] = f"{paragraphs[1]} {texts['edit_sentence']}"
    car = head.cars[0]
    paragraphs.append(_fill(texts["update"], _slots(rng, head, car)))
    return tuple(paragraphs)


def copied_paragraphs(seed: int, site_no: int, head: Head, body: Body, spec: ArticleSpec):
    """A republished copy's paragraphs: maybe a rewritten opening, maybe a source footer."""
    assert spec.copy_of is not None
    texts = TEXTS[head.language]
    rng = _rng(seed, site_no, spec.article_id, 4)
    paragraphs = list(body.paragraphs)
    if spec.copy_of.new_opening:
        opening = _fill(_pick(rng, texts["opening"]), _slots(rng, head, head.cars[0]))
        paragraphs[0] = f"{texts['rewrite_opening']}{opening} {body.lead_rest}"
    if spec.copy_of.source_footer:
        paragraphs.append(_pick(rng, texts["source_footer"]))
    return tuple(paragraphs)


@dataclass(frozen=True, slots=True)
class GalleryText:
    """A photo gallery: title, standfirst and one caption per photo, with its entities."""

    head: Head
    standfirst: str
    captions: tuple[str, ...]


@lru_cache(maxsize=4096)
def gallery_text(seed: int, site_no: int, language: str, spec: GallerySpec) -> GalleryText:
    """The gallery's text; every car drawn for it is named by at least one caption."""
    rng = _rng(seed, site_no, spec.gallery_id, 6)
    series = rng.choices(_SERIES_NAMES, _SERIES_WEIGHTS)[0]
    year = spec.published.year
    place = _pick(rng, PLACES[series][language])
    cars = _pick_cars(rng, series, year)
    label = SERIES_LABELS[series][language][0]
    author = AUTHORS[language][spec.author % len(AUTHORS[language])]
    head = Head("", "", language, series, label, place, year, cars, author)
    texts = TEXTS[language]
    slots = _slots(rng, head, cars[0])
    head = _with_title(head, _fill(_pick(rng, texts["gallery_title"]), slots))
    standfirst = _fill(_pick(rng, texts["gallery_standfirst"]), slots)
    deck = rng.sample(texts["caption"], k=len(texts["caption"]))
    if not all(car.entry.cls for car in cars):
        deck = [t for t in deck if "{cls}" not in t]
    captions: list[str] = []
    for car in cars:  # every car drawn is named by one caption, so the truth's entities hold
        template = next(t for t in deck if "{car}" in t or "{team}" in t)
        deck.remove(template)
        captions.append(_sentence(rng, head, car, (template,)))
    target = _between(rng, 8, 12)
    while len(captions) < target and deck:
        caption = _sentence(rng, head, _pick(rng, cars), (deck.pop(),))
        if caption not in captions:
            captions.append(caption)
    return GalleryText(head, standfirst, tuple(captions))
