"""Racing entities: the series, classes, manufacturers and car numbers an article talks about.

What no generic extractor knows. The names come from a curated gazetteer kept as data in
``etl/clean/data/gazetteer.toml`` (its header documents every canonical name and matching
rule); this module compiles it once, on first use, and applies it::

    tag_entities("Le Mans : la Toyota n°8 en tête", text, "fr")
    # RacingEntities(series=('Le Mans 24 Hours', ...), classes=(...), manufacturers=('Toyota',
    #                ...), car_numbers=('8', ...))

Every tuple is deduplicated and in first-seen order (the title first, then the text), so the
name an article leads with comes first. Matching is the same whatever the language: French
articles quote English series names and English ones French race names, and the gazetteer's
aliases cover both.

Speed: every alias of every category forms one trie-shaped regex, so tagging is one pass over
the text whatever the number of aliases, plus one for car numbers; the context rules that veto a
match only run on matches (about 0.35-0.6 ms per 1,000 words on a 2-core machine).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

from etl.clean.records import RacingEntities

CATEGORIES = ("series", "classes", "manufacturers")
# How much text before a match the "not preceded by" rules look at.
_CONTEXT = 48

# --- alias normalisation ----------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2013]+")
_AFTER_APOSTROPHE = re.compile(r"' +")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'"})


def _unaccent(char: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


@lru_cache(maxsize=4096)
def _fold(text: str, lower: bool = True) -> str:
    """The lookup key of an alias or of matched text: accents, separators and apostrophes
    folded, and the case too unless ``lower`` is False (for aliases whose capitals matter)."""
    bare = _unaccent(text.translate(_APOSTROPHES))
    key = _AFTER_APOSTROPHE.sub("'", _SEPARATORS.sub(" ", bare).strip())
    return key.casefold() if lower else key


def _accent_classes() -> dict[str, str]:
    """For each base letter, a class of itself and the lower-case accented letters that fold to
    it (Latin-1 and Latin Extended-A: French, German, Spanish, Portuguese, Nordic, Polish)."""
    variants: dict[str, set[str]] = {}
    for code in range(0xC0, 0x180):
        char = chr(code).lower()
        base = _unaccent(char)
        if len(base) == 1 and base != char and base.isascii() and base.isalpha():
            variants.setdefault(base, set()).add(char)
    return {base: "[" + base + "".join(sorted(chars)) + "]" for base, chars in variants.items()}


_ACCENTS = _accent_classes()


def _atoms(alias: str) -> list[tuple[str, bool]]:
    """An alias as the characters of its key, each flagged when the alias writes it with an
    accent: only those letters get an accent class in the regex (a class costs time at every
    position of every text scanned, and "Peugéot" is never written)."""
    text = _AFTER_APOSTROPHE.sub("'", _SEPARATORS.sub(" ", alias.translate(_APOSTROPHES)).strip())
    atoms: list[tuple[str, bool]] = []
    for char in text:
        base = _unaccent(char).casefold()
        atoms.extend((b, base != char.casefold()) for b in base)
    return atoms


def _char_pattern(char: str, accented: bool) -> str:
    if char == " ":
        return r"[\s\-\u2010\u2011\u2013]+"
    if char == "'":
        return r"['\u2019\u02bc\u2018] ?"
    return _ACCENTS.get(char, char) if accented else re.escape(char)


def _trie_pattern(aliases: Iterable[str]) -> str:
    """One regex for many aliases (matched against lower-cased text), shaped as their trie: a
    scan tests one branch per character instead of every alias, and a longer alias is preferred
    to its own prefix (the optional continuation is greedy and backtracks only if the longer
    one fails its word boundary)."""
    trie: dict[str, Any] = {}
    accented: set[tuple[str, ...]] = set()  # trie paths whose last letter takes accents
    for alias in aliases:
        node, path = trie, ()
        for char, has_accent in _atoms(alias):
            path = (*path, char)
            node = node.setdefault(char, {})
            if has_accent:
                accented.add(path)
        node[""] = {}

    def pattern(node: dict[str, Any], path: tuple[str, ...]) -> str:
        branches = [
            _char_pattern(c, (*path, c) in accented) + pattern(child, (*path, c))
            for c, child in sorted(node.items())
            if c
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(trie, ())


# --- the compiled gazetteer ------------------------------------------------------------------


class GazetteerError(ValueError):
    """The gazetteer file contradicts itself (an alias claimed twice, an unknown rule...)."""


@dataclass(frozen=True, slots=True)
class _Entry:
    """One gazetteer entry: what a match of one of its aliases yields, and what vetoes it."""

    names: tuple[str, ...]  # the canonical name, then the names it implies ("also")
    not_preceded_by: re.Pattern[str] | None
    not_followed_by: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class _Meaning:
    """What an alias key means in one category; ``spellings`` (accents folded) are the only
    ways to write it when its capitals matter, None when any case will do."""

    entry: _Entry
    spellings: frozenset[str] | None

    def accepts(self, text: str, start: int, end: int, plural: bool) -> bool:
        """Whether the alias at text[start:end] (plural ending excluded) survives its rules."""
        if self.spellings is not None and _fold(text[start:end], lower=False) not in self.spellings:
            return False
        before = self.entry.not_preceded_by
        if before is not None and before.search(text, max(0, start - _CONTEXT), start):
            return False
        after = self.entry.not_followed_by
        return after is None or after.match(text, end + plural) is None


# Classes and manufacturers take a plural ("the Toyotas", "LMP2s"); series names do not.
_PLURAL = {"series": False, "classes": True, "manufacturers": True}


def _scanner(aliases: Iterable[str]) -> re.Pattern[str]:
    """The regex over ' ' + lower-cased text: starting with a non-word character lets the
    regex engine skip from word start to word start in C, which is what makes a scan cheap."""
    return re.compile(rf"\W({_trie_pattern(aliases)})(s?)(?!\w)")


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """The compiled gazetteer: one scanner over every alias of every category, the meaning of
    each alias key, the car-number vetoes, and the canonical names (what the database columns
    hold and queries filter on).

    One scan finds the longest alias at each place, whatever its category; where that alias
    contains another category's alias ("Porsche Carrera Cup" holds the maker "Porsche"), that
    category's own scanner reads the matched span again.
    """

    scanner: re.Pattern[str]
    by_category: Mapping[str, re.Pattern[str]]
    meanings: Mapping[str, Mapping[str, _Meaning]]
    inner: Mapping[str, tuple[str, ...]]
    number_veto: re.Pattern[str]
    canonical: Mapping[str, tuple[str, ...]]

    def tag(self, title: str | None, text: str) -> RacingEntities:
        """The entities of a title and a body, deduplicated in first-seen order."""
        full = f"{title}\n\n{text}" if title else text
        lowered = full.lower()
        if len(lowered) != len(full):  # "İ" lower-cases to two characters: keep offsets aligned
            lowered = "".join(c.lower()[0] for c in full)
        padded = " " + lowered
        found: dict[str, dict[str, None]] = {c: {} for c in CATEGORIES}
        for match in self.scanner.finditer(padded):
            key = _fold(match.group(1))
            for category, meaning in self.meanings.get(key, {}).items():
                self._take(found[category], category, meaning, full, match)
            for category in self.inner.get(key, ()):
                span = self.by_category[category].finditer(padded, match.start(), match.end())
                for inner in span:
                    meaning = self.meanings[_fold(inner.group(1))][category]
                    self._take(found[category], category, meaning, full, inner)
        return RacingEntities(
            series=tuple(found["series"]),
            classes=tuple(found["classes"]),
            manufacturers=tuple(found["manufacturers"]),
            car_numbers=tuple(dict.fromkeys(car_numbers(full, self.number_veto))),
        )

    @staticmethod
    def _take(
        found: dict[str, None], category: str, meaning: _Meaning, text: str, match: re.Match
    ) -> None:
        plural = bool(match.group(2))
        if plural and not _PLURAL[category]:
            return
        # The scanner reads ' ' + text: its offsets are one more than the text's.
        if meaning.accepts(text, match.start(1) - 1, match.end(1) - 1, plural):
            found.update(dict.fromkeys(meaning.entry.names))


def _compile_optional(pattern: str | None, where: str) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as error:
        raise GazetteerError(f"{where}: bad regex: {error}") from error


def _category_meanings(
    category: str, entries: list[dict], rules: Mapping[str, dict]
) -> tuple[dict[str, _Meaning], list[str]]:
    """A category's alias keys with their meaning, and its aliases as written."""
    meanings: dict[str, _Meaning] = {}
    written: list[str] = []
    for raw in entries:
        name = raw["name"]
        where = f"{category} {name!r}"
        if "rule" in raw and raw["rule"] not in rules:
            raise GazetteerError(f"{where}: unknown rule {raw['rule']!r}")
        rule = dict(rules.get(raw.get("rule", ""), {}))
        rule.update({k: raw[k] for k in ("not_preceded_by", "not_followed_by") if k in raw})
        entry = _Entry(
            names=(name, *raw.get("also", ())),
            not_preceded_by=_compile_optional(rule.get("not_preceded_by"), where),
            not_followed_by=_compile_optional(rule.get("not_followed_by"), where),
        )
        by_key: dict[str, frozenset[str] | None] = {}
        for alias in raw.get("aliases", ()):
            by_key[_fold(alias)] = None
        for alias in raw.get("cased", ()):
            key = _fold(alias)
            if key in by_key and by_key[key] is None:
                continue  # also listed as any-case: the looser spelling wins
            by_key[key] = (by_key.get(key) or frozenset()) | {_fold(alias, lower=False)}
        if not by_key:
            raise GazetteerError(f"{where}: no alias")
        for key, spellings in by_key.items():
            if key in meanings:
                raise GazetteerError(f"{category}: alias {key!r} claimed twice")
            meanings[key] = _Meaning(entry, spellings)
        written.extend((*raw.get("aliases", ()), *raw.get("cased", ())))
    return meanings, written


def compile_gazetteer(data: Mapping[str, Any]) -> Gazetteer:
    """Compile a parsed gazetteer (the TOML's tables); raise ``GazetteerError`` if it
    contradicts itself."""
    rules = data.get("rules", {})
    meanings: dict[str, dict[str, _Meaning]] = {}
    written: dict[str, list[str]] = {}
    for category in CATEGORIES:
        by_key, written[category] = _category_meanings(category, data.get(category, []), rules)
        for key, meaning in by_key.items():
            meanings.setdefault(key, {})[category] = meaning
    by_category = {c: _scanner(written[c]) for c in CATEGORIES}
    inner: dict[str, tuple[str, ...]] = {}
    for key, categories in meanings.items():
        others = tuple(
            c for c in CATEGORIES if c not in categories and by_category[c].search(" " + key)
        )
        if others:
            inner[key] = others
    words = sorted(data.get("car_numbers", {}).get("not_followed_by_words", ()), key=len)[::-1]
    veto = r"[ \t\u00a0]*(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)"
    canonical = {
        c: tuple(dict.fromkeys(n for e in data.get(c, []) for n in (e["name"], *e.get("also", ()))))
        for c in CATEGORIES
    }
    return Gazetteer(
        scanner=_scanner(w for c in CATEGORIES for w in written[c]),
        by_category=by_category,
        meanings=meanings,
        inner=inner,
        number_veto=re.compile(veto, re.IGNORECASE),
        canonical=canonical,
    )


@cache
def gazetteer() -> Gazetteer:
    """The packaged gazetteer, read and compiled on first use."""
    source = files("etl.clean").joinpath("data", "gazetteer.toml").read_text(encoding="utf-8")
    return compile_gazetteer(tomllib.loads(source))


# --- car numbers -----------------------------------------------------------------------------

_SPACE = r"[ \t\u00a0\u202f]"
# The digits of a car number: 1 to 3 of them, not the start of a time (4'08"576), a decimal,
# a date (24/06), an hour (24h) or a hashtag word (#24hLM).
_DIGITS = r"(\d{1,3})(?![\d\w°º'’\"]|[.,:/]\d)"
# Each sign is matched from its last character ("#", "°", the dot of "No."), which is rare in
# prose: the regex engine then skips from one candidate to the next in C.
_NUMBER = re.compile(
    rf"""
    [\#°º.]                                     # one character class first: a fast skip
    (?:
        (?<=\#)                                 # #17, # 17
      | (?<=(?<!\w)[Nn][°º])(?:{_SPACE}?s)?      # n°13, N° 13, n°s 7 et 8
      | (?<=(?<!\w)[Nn]o\.)                     # No. 8, no.8
      | (?<=(?<!\w)[Nn]os\.)                    # Nos. 7 and 8
    )
    {_SPACE}?{_DIGITS}
    """,
    re.VERBOSE,
)
# "la numéro 7": rarer, and vetted by the word before it (see _NUMERO_BEFORE).
_NUMERO = re.compile(rf"(?<!\w)[Nn]um[ée]ro{_SPACE}+{_DIGITS}")
# "les n°7 et 8", "Nos. 7 and 8", "#7, #8": more numbers joined to the first one. A bare one must
# end a clause or stand before a name, so that "n°8 et 3 autres" does not make car 3.
_MORE = re.compile(
    rf"""
    {_SPACE}*(?:,|et|and|&){_SPACE}*
    (?:
        (?:\#|[Nn][°º]|[Nn]o\.){_SPACE}?{_DIGITS}
      | {_DIGITS}(?={_SPACE}*(?:[),.;:!?»"\n]|$|[A-ZÀ-Þ]))
    )
    """,
    re.VERBOSE,
)
# French cars are feminine: "la numéro 7", "la voiture numéro 7", "la Toyota numéro 8"; "le
# numéro 1" is a person or a rank.
_NUMERO_BEFORE = re.compile(
    r"(?:\b(?:la|La|voiture|Voiture|auto|barquette|prototype)"
    r"|(?<![\w.\-])(?!(?:Le|Les|Un|Une|Du|De|Des|Au|Aux|Ce|Son|Sa|Leur|Notre)\b)[A-ZÀ-Þ0-9][\w.\-]*)"
    r"\s+$"
)


def _bare(digits: str) -> str:
    """'08' -> '8': how the car is written in the columns (a lone '00' stays itself)."""
    return digits.lstrip("0") or digits


def car_numbers(text: str, veto: re.Pattern[str] | None = None) -> Iterable[str]:
    """Car numbers in order of appearance (repeats included), as bare digit strings.

    A number needs a car-number sign (``#``, ``n°``, ``No.``, ``numéro``): a bare number is a
    lap count, a position or a year far more often than a car. ``veto`` matches the words that
    make a signed number a rank or a count ("No. 1 priority", "#1 fan").
    """
    veto = veto if veto is not None else gazetteer().number_veto
    matches = list(_NUMBER.finditer(text))
    if "umér" in text or "umer" in text:
        numeros = (m for m in _NUMERO.finditer(text) if _feminine(text, m.start()))
        matches = sorted((*matches, *numeros), key=lambda m: m.start())
    for match in matches:
        start, end = match.start(), match.end()
        # A sign glued to a word is not one: "C#7", an HTML entity "&#39".
        if text[start] == "#" and start and (text[start - 1].isalnum() or text[start - 1] in "_&"):
            continue
        if veto.match(text, end):
            continue
        yield _bare(match.group(1))
        while (more := _MORE.match(text, end)) is not None:
            digits = more.group(1) or more.group(2)
            end = more.end()
            if veto.match(text, end):
                break
            yield _bare(digits)


def _feminine(text: str, start: int) -> bool:
    """Whether the 'numéro' at ``start`` follows 'la', 'voiture' or a name (a car)."""
    return _NUMERO_BEFORE.search(text, max(0, start - _CONTEXT), start) is not None


# --- the entry point -------------------------------------------------------------------------


def tag_entities(title: str | None, text: str, language: str | None = None) -> RacingEntities:
    """The racing entities of an article, in the gazetteer's canonical names.

    Each tuple is deduplicated, in first-seen order, the title read before the text.
    ``language`` is accepted for the pipeline's sake but does not change the result: the
    aliases of both languages apply to every article (French articles quote English names).
    """
    del language  # see the docstring: one bilingual gazetteer for every article
    return gazetteer().tag(title, text)


def canonical_names() -> Mapping[str, tuple[str, ...]]:
    """Every canonical name per category ('series', 'classes', 'manufacturers'), in the
    gazetteer's order: the values a query may filter on."""
    return gazetteer().canonical
