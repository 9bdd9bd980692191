"""The noise rules that run after trafilatura, each a named step that counts what it removed.

A rule looks at the extracted lines of one page (one line per paragraph, heading or list item)
with the page's context (its title, the texts of its links, its site's profile) and says which
lines to drop. Rules run in order, datatrove-style, each on what the previous ones kept, and the
page records ``removed[rule_name] += 1`` for every line a rule took, so a person can see which
rule removed a line they wanted.

The phrases below are the generic furniture of news pages in French and English (related-article
labels, share and newsletter prompts, cookie and copyright notices), not any one site's strings:
site-specific repetition is learned per site in :mod:`etl.clean.boilerplate`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

from etl.clean.boilerplate import SiteProfile, line_key
from etl.clean.dates import MONTHS, ZONES, parse_date

# --- patterns (data, kept apart from the code that applies them) -----------------------------

#: A related-articles widget's label standing alone (its links were dropped by the extractor).
RELATED_LABEL_RE = re.compile(
    r"^[\s>»›•*-]*(?:à |a )?(?:lire aussi|lire également|lire la suite|voir aussi|à voir aussi|"
    r"sur le même (?:sujet|thème)|dans la même rubrique|nos articles|articles? similaires?|"
    r"en savoir plus|plus d'infos?|read more|read also|also read|related(?: articles?| stories| "
    r"content| news| coverage| posts?| links?)?|more on this(?: story| topic)?|see also|see more|"
    r"more stories|more news|more from [\w .'-]{1,30}|recommended(?: for you| stories)?|"
    r"you may also like|you might also like|don'?t miss|trending now|most popular|most read|"
    r"popular stories|top stories|more:|more|watch|watch more|listen|videos?)"
    r"\s*[:.…\-–—|]*\s*(?:\.\.\.)?$",
    re.I,
)
#: The same labels heading a teaser on one line: ``Read more: Alibaba poised to ...``.
RELATED_INLINE_RE = re.compile(
    r"^[\s>»›•*-]*(?:à |a )?(?:lire aussi|lire également|voir aussi|read more|read also|also read|"
    r"related|see more|see also|more|watch|listen|sur le même sujet)\s*[:|>»\-–—]\s*\S",
    re.I,
)
#: A gallery embed's footer: ``Galerie: 2017 - Porsche Carrera Cup Le Mans``.
GALLERY_FOOTER_RE = re.compile(
    r"^\s*(?:galerie(?: photos?)?|gallery|photo gallery|diaporama|album|photos?)\s*:\s*\S.{0,150}$",
    re.I,
)
#: A photo-credit or copyright line: ``Crédit photo : DPPI``, ``Photos : Getty Images``,
#: ``© ACO``, ``(c) 2024 Reuters``, ``Credit: AP``, ``Photo credit: Jane Doe``. The value is
#: the credit (kept as ``PageMetadata.credit``); the line itself is not article text.
CREDIT_LINE_RE = re.compile(
    r"^[\s\[(]*(?:(?:cr[ée]dits?|credits?)(?:\s+(?:photos?|images?|photo\s*&\s*vid[ée]o))?"
    r"|(?:photos?|images?|illustrations?)(?:\s+cr[ée]dits?)?"
    r"|copyright|©|\(c\))\s*(?::|-|–|—|(?<=©)|(?<=\(c\))|(?<=copyright)(?P<bare>\s))"
    r"\s*(?P<value>[^\s:].*?)"
    r"[\s\])]*$",
    re.I,
)
_NOTICE_RE = re.compile(r"\d{4}|[©ⓒ]|\(c\)|rights reserved|droits réservés", re.I)
#: A credit names an agency or a photographer: a few words, not a sentence.
MAX_CREDIT_WORDS = 16
MAX_CREDIT_CHARS = 160
IMAGE_MARKDOWN_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.I)
#: Share, follow, newsletter, cookie, copyright and comment furniture (short lines only), in
#: two halves: the furniture a line opens with...
FURNITURE_START_RE = re.compile(
    r"^(?:"
    r"(?:share|partager|partagez)(?: (?:this|on|sur|cet article|l'article|via)\b.*)?[:!.]?"
    r"|(?:tweet|e-?mail|print|imprimer|pin|whatsapp|facebook|twitter|linkedin|reddit|"
    r"copy link|copier le lien|print article|order reprints|reprints?|save|sauvegarder)"
    r"|(?:follow|suivez|retrouvez)(?:-nous| us| me)?\b.{0,120}"
    r"\b(?:twitter|facebook|instagram|youtube|linkedin|tiktok|réseaux sociaux|social media)\b.*"
    r"|(?:©|\(c\)|copyright\b).{0,200}"
    r"|(?:\d+\s+)?(?:comments?|commentaires?|réagir|reactions?)"
    r"|(?:leave|post|add|write) a (?:comment|reply).*"
    r"|tell us what you think.*"
    r"|(?:click|cliquez) (?:here|ici)\b.{0,200}"
    r"|(?:advertisement|publicité|sponsored|sponsorisé|annonce|pub)"
    r"|(?:thank you|merci)[.!]?"
    r"|this (?:article|story|page) (?:has been|was) (?:sent|shared|saved)\b.{0,80}"
    r")\s*$",
    re.I,
)
#: ... and the furniture a line holds behind a few words of anything. This half tries every
#: position of the line (about 30 us a line, the dearest of the rules), so it runs only on
#: lines that hold one of the phrases its alternatives each require (FURNITURE_INNER_PHRASES).
FURNITURE_INNER_RE = re.compile(
    r"^(?:"
    r".{0,160}\b(?:sign up|signup|subscribe|inscrivez-vous|abonnez-vous|s'abonner|s'inscrire)"
    r"\b.{0,160}\b(?:newsletters?|inbox|e-?mail|lettre d'information)\b.*"
    r"|.{0,80}\bnewsletters?\b.{0,80}\b(?:sign up|subscribe|inscri\w+|abonne\w+|inbox)\b.*"
    r"|.{0,160}\b(?:delivered to your inbox|in your inbox)\b.*"
    r"|.{0,120}\b(?:we use cookies|uses cookies|utilise des cookies|utilisons des cookies|"
    r"cookie policy|politique (?:de )?cookies|accept(?:er)? (?:all )?(?:les )?cookies)\b.*"
    r"|.{0,160}\b(?:all rights reserved|tous droits réservés|reproduction interdite)\b.{0,200}"
    r"|.{0,80}\bfor your personal,? non-commercial use\b.*"
    r"|.{0,40}\b(?:an error (?:has )?occurred|please try again|veuillez réessayer)\b.{0,80}"
    r"|.{0,60}\b(?:enable javascript|javascript is (?:disabled|required)|activez javascript)\b.*"
    r")\s*$",
    re.I,
)
FURNITURE_INNER_PHRASES = (
    "sign up", "signup", "subscribe", "inscrivez-vous", "abonnez-vous", "s'abonner",
    "s'inscrire", "newsletter", "your inbox", "cookie", "all rights reserved",
    "tous droits réservés", "reproduction interdite", "for your personal", "an error",
    "please try again", "veuillez réessayer", "javascript",
)  # fmt: skip
#: Looked for in the lower-cased line (substring tests, not a regex search: a search for any
#: of these under re.I costs as much as the rule). These characters are what re.I matches
#: with a phrase's letters but ``str.lower`` does not turn into them (checked over every code
#: point): the test never misses a line the regex would match.
_CASE_FOLD = str.maketrans({"İ": "i", "ı": "i", "ſ": "s", "\u212a": "k"})
_CASE_FOLD_RE = re.compile("[İıſ\u212a]")


def _may_hold_inner_furniture(line: str) -> bool:
    if not line.isascii() and _CASE_FOLD_RE.search(line):  # rare: translating costs
        line = line.translate(_CASE_FOLD)
    folded = line.lower()
    return any(phrase in folded for phrase in FURNITURE_INNER_PHRASES)


#: Pitches for subscriptions, memberships, apps and print editions; only trusted at the edges
#: of the text, where publishers put them.
PROMOTION_RE = re.compile(
    r"\b(?:subscribe (?:now|today|here|for|to (?:our|the|this))|abonnez-vous|"
    r"sign up (?:now|today|here|for (?:our|the|free)|to (?:our|the|receive))|"
    r"inscrivez-vous (?:à|a) (?:notre|la)|get (?:unlimited )?access to|for as little as|"
    r"\d+ issues for|free trial|essai gratuit|promo code|use the code|members get|"
    r"become a member|if you (?:enjoyed|liked|value) (?:this|our)|support (?:our|independent) "
    r"journalism|soutenez (?:notre|la) rédaction|paywalls?|delivered (?:to|through) your "
    r"(?:inbox|letterbox|door)|download (?:our|the) app|téléchargez (?:notre|l'application)|"
    r"(?:write to|(?:may|can) be reached at|contact (?:him|her|them) at) [\w .'-]{0,40}"
    r"[\w.+-]+@[\w-]+\.[\w.]+)",
    re.I,
)
#: ``Tags`` labels, alone or heading their keywords on the same line.
TAGS_LABEL_RE = re.compile(
    r"^\s*(?:tags?|tagged(?: with)?|topics?|keywords?|mots[- ]clés?|étiquettes?|thèmes?)"
    r"\s*(?:[:|]\s*(?:[^,.!?]{1,40},\s*){1,30}[^,.!?]{1,40})?\s*[:|]?\s*$",
    re.I,
)
#: A closing list of links has at least this many items, each covered this much by a link.
MIN_TRAILING_ITEMS = 3
TRAILING_LINK_SHARE = 0.3
#: ...and this share of its items are links (the rest are pitches: "check out our guide").
TRAILING_LINKED_SHARE = 0.4
#: Lines this close to the start or the end of the text are where pitches and bylines sit.
EDGE_LINES = 3
#: A line is a link's text when one link covers this share of it (the rest: a tag, a pipe).
LINK_SHARE = 0.7
#: Words that may sit around a date on a date-only line (``Published 18 November 2019``).
DATE_LINE_WORDS = frozenset({
    "published", "updated", "posted", "last", "modified", "on", "at", "by", "le", "la", "à",
    "publié", "publiée", "mis", "jour", "mise", "modifié", "modifiée", "am", "pm", "a", "m",
    "p", "de", "du", "et"
})  # fmt: skip
_DATE_TOKEN_RE = re.compile(r"[A-Za-zÀ-ÿ]+")
_WORD_RE = re.compile(r"\w+")
ELLIPSIS_RE = re.compile(r"(?:\.{3,}|…)\s*[\"'”»)]*\s*$")
_SENTENCE_END_RE = re.compile(r"[.!?…:;\"”»)]\s*$")
#: Table rows and list items repeat by design (a header row per table, a spec in each card).
_STRUCTURED_LINE_RE = re.compile(r"^\s*(?:\||[-*•]\s|\d+[.)]\s)")
_LIST_MARKER_RE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")

#: Lines up to this length can be captions, labels, teaser titles; longer ones are prose.
SHORT_LINE = 160
#: A second copy of the text is a run of at least this many lines, each word for word an
#: earlier line, one of them prose (longer than SHORT_LINE): a single repeated sentence is a
#: pull quote or an FAQ's answer, a repeated run is the body rendered twice.
MIN_REPEATED_RUN = 2
#: Date and byline lines sit at the top or the bottom of the text, not between paragraphs.
DATE_LINE_WINDOW = 3
#: A related widget lists a handful of teasers after its label, no more.
MAX_WIDGET_TEASERS = 8


@dataclass(slots=True)
class RuleContext:
    """What the rules may know about the page beyond its lines."""

    #: The page's titles (headline, ``<h1>``): extractors repeat them as the first line.
    titles: tuple[str, ...] = ()
    #: Line keys of the texts of the page's links (teaser titles, menus, tags).
    link_keys: frozenset[str] = frozenset()
    profile: SiteProfile | None = None
    language: str | None = None
    #: The page's own summary (meta description), which a standfirst heading repeats.
    description: str | None = None
    #: Link texts as a tuple, for prefix search of truncated fragments.
    link_key_list: tuple[str, ...] = field(default=())
    #: How often each line key occurs among the lines a rule sees (refreshed before each rule).
    line_counts: Counter[str] = field(default_factory=Counter)
    #: Memo of :func:`is_link_text`: a line key -> length of the longest link text inside it.
    link_cover: dict[str, int] = field(default_factory=dict)
    #: The element each current line came from (refreshed before each rule).
    tags: list[str] = field(default_factory=list)


LinePredicate = Callable[[Sequence[str], int, RuleContext], bool]


DocumentPredicate = Callable[[Sequence[str], RuleContext], list[bool]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A named cleaning step: ``drops(lines, i, ctx)`` says whether line ``i`` is noise, or,
    for rules that judge runs of lines, ``marks(lines, ctx)`` flags every line at once.

    ``lines`` is what earlier rules kept, so a rule may look at a line's neighbours.
    """

    name: str
    drops: LinePredicate | None = None
    marks: DocumentPredicate | None = None

    def decide(self, lines: Sequence[str], ctx: RuleContext) -> list[bool]:
        if self.marks is not None:
            return self.marks(lines, ctx)
        assert self.drops is not None
        return [self.drops(lines, i, ctx) for i in range(len(lines))]


def strip_list_marker(line: str) -> str:
    return _LIST_MARKER_RE.sub("", line, count=1)


def is_link_text(line: str, ctx: RuleContext, share: float | None = None) -> bool:
    """The line is (nearly all) the text of one of the page's links: a teaser title with a
    ``[VIDEO]`` tag or a ``|`` after it, a menu entry. ``share``: how much a link must cover."""
    key = line_key(strip_list_marker(line))
    if len(key) < 12:
        return False
    if key in ctx.link_keys:
        return True
    if len(line) > SHORT_LINE:
        return False
    # the longest link text inside the line, looked up once per line (rules ask repeatedly)
    longest = ctx.link_cover.get(key)
    if longest is None:
        longest = max((len(k) for k in ctx.link_key_list if k in key), default=0)
        ctx.link_cover[key] = longest
    return longest >= (LINK_SHARE if share is None else share) * len(key)


def is_truncated_teaser(line: str, ctx: RuleContext) -> bool:
    """A line cut off with ``...``/``…`` that starts a link text or a known title of the site."""
    if len(line) > 400 or ("..." not in line and "…" not in line):  # the regex needs one
        return False
    if not ELLIPSIS_RE.search(line):
        return False
    fragment = line_key(ELLIPSIS_RE.sub("", strip_list_marker(line)))
    if len(fragment) < 12:
        return False
    if fragment in ctx.link_keys or any(k.startswith(fragment) for k in ctx.link_key_list):
        return True
    return ctx.profile is not None and ctx.profile.is_known_title_start(fragment)


# --- the rules ---------------------------------------------------------------------------------


def _image_markdown(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    line = lines[i]
    return "![" in line and not IMAGE_MARKDOWN_RE.sub("", line).strip(" |-")


def _bare_url(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    line = lines[i]
    if "http" not in line and "www." not in line:
        return False
    rest = URL_RE.sub("", line)
    return len(_WORD_RE.findall(rest)) <= 2


def _title_repeat(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    if i > 2 or not ctx.titles:
        return False
    key = line_key(lines[i])
    return any(key == line_key(title) for title in ctx.titles)


def credit_value(line: str) -> str | None:
    """The credit a photo-credit or copyright line gives (``DPPI`` for ``Crédit photo :
    DPPI``), or ``None`` when the line is not one."""
    if len(line) > MAX_CREDIT_CHARS:
        return None
    match = CREDIT_LINE_RE.match(line)
    if match is None:
        return None
    value = match.group("value").strip(" .;,").lstrip("©ⓒ ")
    if not value or len(_WORD_RE.findall(value)) > MAX_CREDIT_WORDS:
        return None
    # "Copyright X" with no colon is a notice only with a year or a rights clause; else it is
    # a heading that starts with the word ("Copyright complexity in a fragmented world").
    if match.group("bare") and not _NOTICE_RE.search(value):
        return None
    return value


def first_credit(lines: Sequence[str]) -> str | None:
    """The first credit among the lines, the value the ``credit-line`` rule takes out."""
    for line in lines:
        value = credit_value(line)
        if value is not None:
            return value
    return None


def _credit_line(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    """A photo-credit or copyright line (its value is kept apart as the page's credit)."""
    return credit_value(lines[i]) is not None


def _gallery_footer(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    return bool(GALLERY_FOOTER_RE.match(lines[i]))


def _related_widget(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    """A related-articles label, and the teaser lines that follow it."""
    line = lines[i]
    if len(line) <= 60 and RELATED_LABEL_RE.match(line):
        return True
    if len(line) <= 250 and RELATED_INLINE_RE.match(line) and not _SENTENCE_END_RE.search(line):
        return True
    # a teaser right under a label: short, title-like or a link text, within a few lines
    if len(line) > SHORT_LINE:
        return False
    for back in range(1, min(i, MAX_WIDGET_TEASERS) + 1):
        previous = lines[i - back]
        if len(previous) <= 60 and RELATED_LABEL_RE.match(previous):
            return is_link_text(line, ctx) or is_truncated_teaser(line, ctx)
        if not (is_link_text(previous, ctx) or is_truncated_teaser(previous, ctx)):
            return False
    return False


def _teaser_fragment(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    return is_truncated_teaser(lines[i], ctx)


def _link_line(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    """A short line that is nothing but a link's text: a teaser or menu entry, not prose."""
    line = lines[i]
    if len(line) > SHORT_LINE or not is_link_text(line, ctx):
        return False
    # Widgets list several links in a row; a lone linked heading inside an article is content.
    neighbours = [lines[j] for j in (i - 1, i + 1) if 0 <= j < len(lines)]
    return any(len(n) <= SHORT_LINE and is_link_text(n, ctx) for n in neighbours)


def _furniture(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    line = strip_list_marker(lines[i].strip())
    if len(line) > 300:
        return False
    if FURNITURE_START_RE.match(line):
        return True
    return _may_hold_inner_furniture(line) and bool(FURNITURE_INNER_RE.match(line))


def _standfirst(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    """A heading at the top that repeats the page's description: the standfirst, kept apart
    from the body by publishers (a paragraph repeating it is usually the lead: it stays)."""
    if i > 1 or not ctx.description or not ctx.tags or ctx.tags[i] != "head":
        return False
    key, description = line_key(lines[i]), line_key(ctx.description)
    return bool(key) and (
        key == description or description.startswith(key) or key.startswith(description)
    )


def _promotion(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    """A subscription, membership or app pitch at the top or the bottom of the text."""
    if EDGE_LINES <= i < len(lines) - EDGE_LINES:
        return False
    line = lines[i]
    return len(line) <= 400 and bool(PROMOTION_RE.search(line))


#: Elements whose lines repeat by design: a heading per product card ("Pros", "Cons"), the
#: entries of a table of contents, the rows and items of specs.
_STRUCTURAL_TAGS = frozenset({"head", "list", "table", "row", "cell", "item"})


def _repeated_caption(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    """A short line that appears more than once: an embed's caption, not a paragraph.

    A caption is a label, so a line ending like a sentence (``.``, ``?``, ``:``) and a line from
    a heading, list or table is left alone. Measured with bench/body.py on wcxb-dev articles,
    the unrestricted rule took 3,697 gold shingles for 3,676 of noise (repeated headings of a
    table of contents, "Pros"/"Cons" per product, pull quotes repeating a paragraph).
    """
    line = lines[i]
    if len(line) > SHORT_LINE or not line_key(line) or _STRUCTURED_LINE_RE.match(line):
        return False
    if _SENTENCE_END_RE.search(line) or (ctx.tags and ctx.tags[i] in _STRUCTURAL_TAGS):
        return False
    return ctx.line_counts[line_key(line)] > 1


def _date_line(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    """A line that only states when (and by whom) the page was published or updated."""
    if DATE_LINE_WINDOW <= i < len(lines) - DATE_LINE_WINDOW:  # most lines: decided here
        return False
    line = lines[i]
    if len(line) > 90 or not any(c.isdigit() for c in line) or line.startswith(("—", "-", "–")):
        return False
    if parse_date(line, ctx.language) is None:
        return False
    words = [w.lower() for w in _DATE_TOKEN_RE.findall(line)]
    other = [w for w in words if w not in DATE_LINE_WORDS and w not in MONTHS and w not in ZONES]
    return len(other) <= 4


def _trailing_link_list(lines: Sequence[str], ctx: RuleContext) -> list[bool]:
    """A list of links closing the text ("More stories", "Related coverage") without its label:
    at least three list items at the very end, a good share of them links."""
    flags = [False] * len(lines)
    start = len(lines)
    while start > 0 and ctx.tags and ctx.tags[start - 1] == "list":
        start -= 1
    items = lines[start:]
    if len(items) < MIN_TRAILING_ITEMS:
        return flags
    linked = sum(1 for item in items if is_link_text(item, ctx, share=TRAILING_LINK_SHARE))
    if linked >= TRAILING_LINKED_SHARE * len(items):
        flags[start:] = [True] * len(items)
    return flags


def _repeated_block(lines: Sequence[str], ctx: RuleContext) -> list[bool]:
    """A second copy of a block of the text: the body rendered again for another screen size,
    a tab's panel repeating the page, a print version appended (MIN_REPEATED_RUN).

    Measured by cleaning wcxb-dev's articles (709 with a truth) with and without the rule,
    scored by :mod:`etl.clean.evaluation`: F1 0.9359 -> 0.9370, precision 0.34 -> 0.73 on the
    page that held its body three times; scrapinghub-dev unchanged.
    """
    seen: set[str] = set()
    repeats = []
    for line in lines:
        repeats.append(line in seen)
        seen.add(line)
    flags: list[bool] = []
    for repeated, group in groupby(zip(lines, repeats, strict=True), key=itemgetter(1)):
        run = [line for line, _ in group]
        drop = repeated and len(run) >= MIN_REPEATED_RUN and any(len(x) > SHORT_LINE for x in run)
        flags.extend([drop] * len(run))
    return flags


def _tag_list(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    """A ``Tags:`` / ``Mots-clés :`` label, alone or with its comma-separated keywords."""
    if TAGS_LABEL_RE.match(lines[i]):
        return True
    return i > 0 and bool(TAGS_LABEL_RE.match(lines[i - 1])) and _is_keyword_list(lines[i])


def _is_keyword_list(line: str) -> bool:
    parts = [part.strip() for part in line.split(",")]
    return len(parts) >= 3 and all(0 < len(part.split()) <= 6 for part in parts if part)


def _site_recurring(lines: Sequence[str], i: int, ctx: RuleContext) -> bool:
    return ctx.profile is not None and ctx.profile.is_recurring(lines[i])


RULES: tuple[Rule, ...] = (
    Rule("image-markdown", _image_markdown),
    Rule("bare-url", _bare_url),
    Rule("title-repeat", _title_repeat),
    Rule("credit-line", _credit_line),
    Rule("gallery-footer", _gallery_footer),
    Rule("related-widget", _related_widget),
    Rule("teaser-fragment", _teaser_fragment),
    Rule("link-line", _link_line),
    Rule("furniture", _furniture),
    Rule("standfirst", _standfirst),
    Rule("promotion", _promotion),
    Rule("date-line", _date_line),
    Rule("tag-list", _tag_list),
    Rule("trailing-link-list", marks=_trailing_link_list),
    Rule("repeated-block", marks=_repeated_block),
    Rule("repeated-caption", _repeated_caption),
    Rule("site-recurring", _site_recurring),
)


def apply_rules(
    lines: Sequence[str],
    ctx: RuleContext,
    rules: Sequence[Rule] = RULES,
    *,
    tags: Sequence[str] | None = None,
    trace: list[tuple[str, str]] | None = None,
) -> tuple[list[str], Counter[str]]:
    """Run every rule in order over the lines; return the kept lines and what each rule took.

    ``tags`` names the element each line came from (``p``, ``head``...), when known; ``trace``,
    when given, receives ``(rule name, line)`` for every line removed (bench/body.py scores
    each rule's removals against the truth with it).
    """
    removed: Counter[str] = Counter()
    kept = list(lines)
    kept_tags = list(tags) if tags is not None else ["p"] * len(kept)
    ctx.line_counts = Counter(line_key(line) for line in kept)
    for rule in rules:
        ctx.tags = kept_tags
        decisions = rule.decide(kept, ctx)
        dropped = sum(decisions)
        if dropped:
            removed[rule.name] += dropped
            if trace is not None:
                trace.extend(
                    (rule.name, line) for line, drop in zip(kept, decisions, strict=True) if drop
                )
            kept = [line for line, drop in zip(kept, decisions, strict=True) if not drop]
            kept_tags = [tag for tag, drop in zip(kept_tags, decisions, strict=True) if not drop]
            # recounted only when lines went (a rule reads the counts, none writes them)
            ctx.line_counts = Counter(line_key(line) for line in kept)
    return kept, removed
