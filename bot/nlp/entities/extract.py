"""Find the people, organisations and places an article mentions, linked to stable ids."""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache

from bot.nlp.entities.catalog import Catalog, Entry, Phrase, alias_key
from bot.nlp.entities.evaluate import iob_spans
from bot.nlp.entities.features import TRIGGERS, catalog_words, gazetteer
from bot.nlp.entities.tagger import TYPES, default_tagger
from bot.nlp.entities.tokens import Token, clitic_forms, clitic_variants, is_arabic, tokenize
from bot.nlp.normalize import fold

log = logging.getLogger(__name__)

MAX_CHARS = 200_000  # longer input is cut: an article is far shorter


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention: `text` is exactly original[start:end]; `id` is stable across articles."""

    text: str
    type: str  # "person" | "organization" | "place" | "other"
    start: int
    end: int
    id: str
    name: str


@dataclass(slots=True)
class _Span:
    """A candidate mention over tokens [i, j) before offsets are fixed."""

    i: int
    j: int
    type: str
    entry: Entry | None = None
    skip: int = 0  # clitic letters to drop from the start of the first token
    source: str = ""
    link: _Span | None = None  # the full mention a bare repeat stands for


def _words(text: str) -> set[str]:
    """Return the folded words of a whitespace-separated list (keys are folded: ı -> i)."""
    return {fold(w) for w in text.split()}


_SENTENCE_END = {".", "!", "?", "؟", "؛", ";", ":", "…"}
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")

# English and Turkish words that give a capitalised name its type.
_PERSON_TITLES = _words(
    """
    president prime minister spokesperson spokesman spokeswoman mr mrs ms dr sheikh king
    queen prince emir general gen senator sen rep secretary chancellor ambassador envoy
    leader chief director cumhurbaşkanı başbakan bakanı bakan sözcüsü başkanı lideri
    büyükelçisi genel sekreteri yardımcısı milletvekili komutanı müdürü emiri kralı prensi
    sayın dr. prof profesör state foreign defense defence interior finance deputy vice affairs
    press security adviser advisor head commander official
    """
)
_PERSON_AFTER = _words(
    """
    said says told added stated wrote dedi söyledi
    """
)
_ORG_WORDS = _words(
    """
    agency ministry party council organization organisation union bank company corporation
    inc ltd association university institute committee commission army forces brigades
    movement group foundation fund court parliament assembly authority office department
    news times ajansı bakanlığı partisi konseyi örgütü birliği bankası şirketi derneği
    vakfı üniversitesi enstitüsü komitesi komisyonu ordusu kuvvetleri tugayları hareketi
    grubu fonu mahkemesi meclisi kurumu başkanlığı valiliği belediyesi kurulu gazetesi
    """
)
_PLACE_WORDS = _words(
    """
    city province river strait island islands mountains valley camp district county region
    street square sea gulf bay airport ili ilçesi kenti şehri bölgesi nehri boğazı adası
    kampı köyü mahallesi caddesi meydanı denizi körfezi havalimanı dağı
    """
)
_CONNECTORS = _words(
    """
    of bin bint ibn al el de da von der van abu
    """
)
# Sentence-initial capitals that are ordinary words, and capitalised words that are never names.
_COMMON = _words(
    """a an the this that these those it its he she they we i you his her their our my your
    in on at for from to by with without after before during since as when while if but and or
    so yet not no all some many most more other another each every both such what which who whom
    whose where why how there here then now today yesterday tomorrow also however meanwhile
    according under over about against between among into through despite although though
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december breaking update live watch read
    bu şu o bir ve ile de da ama fakat ancak için gibi kadar sonra önce daha çok en her hiç
    ise ki ne neden nasıl nerede şimdi bugün dün yarın ayrıca öte yandan pazartesi salı
    çarşamba perşembe cuma cumartesi pazar ocak şubat mart nisan mayıs haziran temmuz ağustos
    eylül ekim kasım aralık son dakika"""
)
# Arabic words that may follow a title but are not part of a name.
_AR_STOP = _words(
    """
    في من الى الي على علي عن ان انه انها قد لقد كان كانت هو هي الذي التي الذين مع بعد قبل
    خلال امس اليوم حيث كما لكن او ثم حتي حتى هذا هذه ذلك تلك لم لن لا ما ماذا بان الا اذا
    عند منذ بين ضد نحو لدي عبر فيما بينما يوم امام اثناء وقال قال وهو وهي غير
    """
)

# Arabic words that are names in the table but more often everyday words in running text:
# عدن "they returned", كابل "cable", مسقط (رأس) "birthplace", الشرع "Islamic law",
# بحماس "with enthusiasm". They count only where the tagger also sees a name there.
_AR_EVERYDAY = _words("عدن كابل مسقط الشرع بحماس")
# Words of blessings and pious formulas ("حفظه الله", "رحمه الله", "قال الله تعالى"): the
# tagger reads them as names, and they topped the people and organisations of the news.
_AR_FORMULA = _words("الله حفظه حفظها رحمه رحمها تعالى سبحانه وتعالى عز وجل")
# Words around a name that Arabic newswire annotation (ANERcorp) leaves out of the span
# (حركة حماس -> حماس, مكة المكرمة -> مكة), unlike منظمة in منظمة الأمم المتحدة.
_LEFT_OUT = _words(
    "قناة حركة المكرمة المنورة دولة قطاع مدينة إقليم جمهورية الشعبية وكالة الملك الرئيس"
)


def extract_entities(text: str, lang: str) -> list[Mention]:
    """Return the mentions in `text` ("ar", "en" or "tr"), in text order; never raises."""
    return extract_entities_many([(text, lang)])[0]


def extract_entities_many(texts: list[tuple[str, str]]) -> list[list[Mention]]:
    """Return `extract_entities` of each (text, lang); the Arabic tagger reads them all at once.

    The tagger's numpy steps follow the longest sentence, whatever the number of sentences:
    64 feed items cost about 0.5 ms each this way against 1.35 text by text (bench_ner.py);
    whole articles, long enough to fill the steps alone, gain little. Never raises: a text that fails gets no
    mentions, and a failing tagger leaves the catalog's matches.
    """
    docs: list[_Doc | None] = []
    for text, lang in texts:
        try:
            docs.append(_Doc.read(text[:MAX_CHARS], lang))
        except Exception:  # an article must never fail to store because of entity extraction
            log.exception("entity extraction failed")
            docs.append(None)
    arabic = [d for d in docs if d is not None and d.arabic]
    try:
        tags = default_tagger().tag_documents([d.words() for d in arabic])
    except Exception:  # fall back to the table alone rather than lose the article's links
        log.exception("Arabic tagger failed; using catalog matches only")
        tags = [None] * len(arabic)
    tagged: dict[int, list[list[str]] | None] = {
        id(d): t for d, t in zip(arabic, tags, strict=True)
    }
    out = []
    for doc in docs:
        try:
            out.append(doc.mentions(tagged.get(id(doc))) if doc is not None else [])
        except Exception:
            log.exception("entity extraction failed")
            out.append([])
    return out


@dataclass
class _Doc:
    """One text on its way through extraction: tokens, then (if Arabic) the tagger's tags."""

    text: str
    lang: str
    tokens: list[Token]
    arabic: bool
    sentences: list[tuple[int, int]]

    @classmethod
    def read(cls, text: str, lang: str) -> _Doc:
        tokens = tokenize(text)
        arabic = bool(tokens) and (
            lang == "ar" or (lang not in ("en", "tr") and _mostly_arabic(tokens))
        )
        return cls(text, lang, tokens, arabic, _sentences(text, tokens) if arabic else [])

    def words(self) -> list[list[str]]:
        """Return the tagger's input: the words of each sentence."""
        texts = [t.text for t in self.tokens]
        return [texts[a:b] for a, b in self.sentences]

    def mentions(self, tags: list[list[str]] | None) -> list[Mention]:
        """Return the mentions, given the tagger's tags of each sentence (Arabic only)."""
        text, tokens, lang = self.text, self.tokens, self.lang
        if not tokens:
            return []
        catalog = Catalog.load()
        strong, weak = [], []
        for span in _catalog_spans(tokens, catalog):
            (weak if span.entry and _is_weak(span, tokens) else strong).append(span)
        if self.arabic:
            tagged = [] if tags is None else _tagger_spans(tokens, self.sentences, tags, catalog)
            # A weak alias (مالي, الجزيرة) counts only where the tagger saw a name of its type.
            strong += [w for w in weak if any(_supports(t, w) for t in tagged)]
            spans = _merge(*_reconcile(strong, tagged))
            spans = _merge(spans, _arabic_title_spans(tokens, spans))
        else:
            spans = _merge(strong, _latin_spans(text, tokens, strong, catalog))
        spans = _merge(spans, _propagate(tokens, spans, self.arabic))
        _link_repeats(tokens, spans)
        return [_mention(text, tokens, s, lang) for s in sorted(spans, key=lambda s: s.i)]


def _mostly_arabic(tokens: list[Token]) -> bool:
    words = [t for t in tokens if t.key[0].isalpha()]
    return sum(is_arabic(t.text) for t in words) * 2 > len(words)


def _is_weak(span: _Span, tokens: list[Token]) -> bool:
    assert span.entry is not None
    words = " ".join(t.text for t in tokens[span.i : span.j])
    if any(w == words or w == words[span.skip :] for w in span.entry.weak):
        return True
    if span.j - span.i == 1 and tokens[span.i].key in _AR_EVERYDAY:
        return True
    # A one-word alias found only by cutting a preposition off is often another word:
    # بابل (Babylon) is not ب+أبل (Apple), كلاوس (Klaus) is not ك+لاوس (Laos).
    if span.skip and span.j - span.i == 1:
        stem = tokens[span.i].key[span.skip :]
        return len(stem) <= 3 or tokens[span.i].key[span.skip - 1] == "ك"
    return False


def _supports(tag: _Span, span: _Span) -> bool:
    """Return whether a tagger span backs a weak catalog match: it covers it with its type."""
    return (
        tag.i <= span.i and span.j <= tag.j and (tag.entry is span.entry or tag.type == span.type)
    )


def _reconcile(found: list[_Span], tagged: list[_Span]) -> tuple[list[_Span], list[_Span]]:
    """Return catalog and tagger spans after settling where their boundaries disagree.

    A longer tagger name of the same type around one catalog match replaces it: أميركا
    اللاتينية is not أميركا, عبد العاطي إيكيدير is not بدر عبد العاطي. Two catalog names in
    one tagger span (فرنسا وإيطاليا) stay apart: their links are worth more than the span.
    """
    found = list(found)
    covered = _positions(found)
    for tag in tagged:
        if covered.isdisjoint(range(tag.i, tag.j)):  # most tagger spans: no scan needed
            continue
        inside = [c for c in found if c.i < tag.j and tag.i < c.j]
        if len(inside) != 1:
            continue
        # Also an event named after a place: بطولة الولايات المتحدة, كأس أمم أفريقيا.
        if inside[0].type != tag.type and not (tag.type == "other" and inside[0].type == "place"):
            continue
        cat = inside[0]
        if tag.i <= cat.i and cat.j <= tag.j and tag.j - tag.i > cat.j - cat.i:
            found.remove(cat)
            covered = _positions(found)
    return found, tagged


def _positions(spans: list[_Span]) -> set[int]:
    """Return the token positions the spans cover."""
    return {k for s in spans for k in range(s.i, s.j)}


def _trim(tokens: list[Token], span: _Span, catalog: Catalog) -> _Span:
    """Return `span` without a leading or trailing descriptor when the rest names the same entry.

    Newswire annotation marks the name, not the word that describes it (حركة حماس -> حماس,
    قطاع غزة -> غزة, مكة المكرمة -> مكة); the link is the same either way.
    """
    first = tokens[span.i]
    if span.j - span.i >= 2 and _LEFT_OUT & set(clitic_variants(first.key)):
        rest = " ".join(t.key for t in tokens[span.i + 1 : span.j])
        if _names(catalog, rest, span.entry):
            return _trim(tokens, _Span(span.i + 1, span.j, span.type, span.entry), catalog)
    if span.j - span.i >= 2 and tokens[span.j - 1].key in _LEFT_OUT:
        head = clitic_variants(first.key)[-1] if span.skip else first.key
        rest = " ".join([head, *(t.key for t in tokens[span.i + 1 : span.j - 1])])
        if _names(catalog, rest, span.entry):
            trimmed = _Span(span.i, span.j - 1, span.type, span.entry, span.skip)
            return _trim(tokens, trimmed, catalog)
    return span


def _names(catalog: Catalog, key: str, entry: Entry | None) -> bool:
    """Return whether `key` is a strong alias of `entry` (قناة الجزيرة keeps its قناة)."""
    return any(p.entry is entry and not p.weak for p in catalog.phrases.get(key, ()))


def _catalog_spans(tokens: list[Token], catalog: Catalog) -> list[_Span]:
    """Return the longest catalog alias matches, left to right, without overlaps."""
    starts = catalog.start_forms()
    out = []
    after, n = 0, len(tokens)
    for i in [k for k, t in enumerate(tokens) if t.key in starts]:
        if i < after:  # inside the previous match
            continue
        best = None
        for variant in clitic_variants(tokens[i].key):
            for length in catalog.lengths.get(variant, ()):
                if i + length > n or (best and length <= best.j - best.i):
                    continue
                key = " ".join([variant, *(t.key for t in tokens[i + 1 : i + length])])
                phrase = _pick(catalog.phrases.get(key), tokens[i : i + length])
                if phrase is not None:
                    skip = len(tokens[i].key) - len(variant)
                    best = _Span(i, i + length, phrase.entry.type, phrase.entry, skip, "catalog")
                    break
        if best:
            out.append(_trim(tokens, best, catalog) if is_arabic(tokens[i].text) else best)
            after = best.j
    return out


def _pick(phrases: list[Phrase] | None, words: list[Token]) -> Phrase | None:
    """Return the phrase these words may stand for in running text, if any."""
    if not phrases:
        return None
    first = words[0].text
    if not is_arabic(first):
        # Latin names are capitalised in running text; acronyms keep their exact capitals.
        if not first[:1].isupper():
            return None
        surface = "".join(t.text for t in words).replace(".", "")
        exact = [p for p in phrases if p.exact_case]
        if exact and len(exact) == len(phrases):
            if surface != exact[0].alias.replace(".", "").replace(" ", ""):
                return None
    return phrases[0]


def _tagger_spans(
    tokens: list[Token], sentences: list[tuple[int, int]], tags: list[list[str]], catalog: Catalog
) -> list[_Span]:
    """Return the Arabic CRF's spans, linked to the catalog where the span is an alias."""
    texts = [t.text for t in tokens]
    out = []
    for (a, _), sent_tags in zip(sentences, tags, strict=True):
        for s, e, kind in iob_spans(sent_tags):
            if all(t.key in _AR_FORMULA for t in tokens[a + s : a + e]):
                continue
            span = _Span(a + s, a + e, TYPES.get(kind, "other"), source="tagger")
            span.skip = _clitic_skip(tokens[a + s], catalog)
            words = " ".join(texts[span.i : span.j])
            entries = catalog.resolve(words) or _patronym_of(tokens, span, catalog)
            same = [x for x in entries if x.type == span.type]
            if same:
                span.entry = same[0]
            elif entries and _sure_alias(entries[0], words, _key(tokens, span), catalog):
                # The table knows this name better than the tagger knows its type.
                span.entry = entries[0]
                span.type = span.entry.type
            out.append(span)
    return out


def _patronym_of(tokens: list[Token], span: _Span, catalog: Catalog) -> list[Entry]:
    """The known person a longer name continues with "بن ...": محمد بن سلمان بن عبدالعزيز is
    محمد بن سلمان, not somebody new (the longest known head wins)."""
    if span.type != "person":
        return []
    for cut in range(span.j - 1, span.i + 1, -1):
        if tokens[cut].key in ("بن", "ابن"):
            head = " ".join(t.text for t in tokens[span.i : cut])
            people = [e for e in catalog.resolve(head) if e.type == "person"]
            if people:
                return people
    return []


def _key(tokens: list[Token], span: _Span) -> str:
    """Return the folded words of a span joined by spaces, as catalog phrases are keyed."""
    return " ".join(t.key for t in tokens[span.i : span.j])


def _sure_alias(entry: Entry, words: str, key: str, catalog: Catalog) -> bool:
    """Return whether `words` name `entry` as written: no clitic cut off, no weak alias.

    Otherwise the tagger's other type wins unlinked: الأناضول tagged a place is Anatolia,
    not the agency; بابل tagged a place is Babylon, not ب+أبل.
    """
    if words in entry.weak:
        return False
    return any(p.entry is entry for p in catalog.phrases.get(key, ()))


def _sentences(text: str, tokens: list[Token]) -> list[tuple[int, int]]:
    """Return [start, end) token ranges of sentences: split at end punctuation and newlines.

    A sentence that runs past 81 tokens is cut there.
    """
    ends = {k for k, tok in enumerate(tokens) if tok.text in _SENTENCE_END}
    # A newline ends the sentence of the last token before it, if a token follows.
    newline = text.find("\n")
    while newline >= 0:
        after = bisect_left(tokens, newline, key=_start)  # the first token after the newline
        if after == len(tokens):
            break
        if after > 0:
            ends.add(after - 1)
        newline = text.find("\n", tokens[after].start)
    out, start = [], 0
    for end in [*sorted(ends), len(tokens) - 1]:
        while end - start > 80:
            out.append((start, start + 81))
            start += 81
        if end >= start:
            out.append((start, end + 1))
            start = end + 1
    return out


def _start(token: Token) -> int:
    return token.start


def _clitic_skip(token: Token, catalog: Catalog) -> int:
    """Return how many leading clitic letters to drop from a name's first word (وحسن -> حسن)."""
    variants = clitic_variants(token.key)
    if len(variants) == 1:
        return 0
    gaz, words = gazetteer(), catalog_words()
    for variant in variants[1:]:
        if variant in gaz or variant in words:
            return len(token.key) - len(variant)
    # The tagger's spans include a leading و; drop it when it cannot start the name itself.
    if token.key[0] in "وف" and token.key[1:] not in gaz and len(token.key) > 4:
        return 1 if token.key[:2] not in ("وا", "وي") else 0
    return 0


def _merge(first: list[_Span], second: list[_Span]) -> list[_Span]:
    """Return `first` plus the spans of `second` that overlap none of it.

    Exception: a longer second span of another type that contains a first span wins (the
    tagger's "جامعة القاهرة" over the catalog's Cairo) unless it is just a linked name.
    """
    kept = list(first)
    covered = _positions(kept)
    for span in second:
        if covered.isdisjoint(range(span.i, span.j)):  # no clash, found without a scan
            kept.append(span)
            covered.update(range(span.i, span.j))
            continue
        clash = [k for k in kept if k.i < span.j and span.i < k.j]
        if (
            span.entry is None
            and all(span.i <= k.i and k.j <= span.j and k.type != span.type for k in clash)
            and span.j - span.i > max(k.j - k.i for k in clash)
            and span.type == "organization"
        ):
            kept = [k for k in kept if k not in clash] + [span]
            covered = _positions(kept)
    return kept


def _name_like_ar(token: Token) -> bool:
    key = token.key
    return (
        is_arabic(key)
        and len(key) >= 2
        and key not in _AR_STOP
        and key not in TRIGGERS
        and not key.startswith(("ال", "وال"))
    )


def _arabic_title_spans(tokens: list[Token], spans: list[_Span]) -> list[_Span]:
    """Return person names right after a title (الرئيس الأمريكي X, متحدث حركة حماس X).

    Only a name whose first word is a known first name is taken: missing a name is better
    than inventing one.
    """
    gaz = gazetteer()
    covered = _positions(spans)
    # The first span starting at each token, of the types that may qualify a title.
    qualifier: dict[int, _Span] = {}
    for span in spans:
        if span.type != "person":
            qualifier.setdefault(span.i, span)
    titles = _person_title_forms()
    out = []
    for k in [k for k, t in enumerate(tokens) if t.key in titles]:
        tok = tokens[k]
        # A title may carry a clitic (والرئيس), but قد is not ق + د (Dr.).
        clitic = tok.key[:1] in "وفبلك" and len(tok.key) > 3
        if TRIGGERS.get(tok.key) != "person" and not (
            clitic and TRIGGERS.get(tok.key[1:]) == "person"
        ):
            continue
        # Skip what qualifies the title: nisba adjectives, باسم, an organisation or place.
        j = k + 1
        while j < len(tokens) and j - k <= 4:
            key = tokens[j].key
            span = qualifier.get(j)
            if span is not None:
                j = span.j
            elif key in ("باسم", "الوزراء", "حركه", "الخارجيه", "الدفاع", "الداخليه") or (
                key.startswith("ال") and key.endswith(("ي", "يه"))
            ):
                j += 1
            else:
                break
        if j >= len(tokens) or j in covered or not _name_like_ar(tokens[j]):
            continue
        if "first" not in gaz.get(clitic_variants(tokens[j].key)[-1], ""):
            continue
        end = j + 1
        while end < len(tokens) and end - j < 3 and end not in covered:
            if not _name_like_ar(tokens[end]) or tokens[end].start - tokens[end - 1].end > 1:
                break
            end += 1
        if end - j >= 2:
            out.append(_Span(j, end, "person", source="title"))
    return out


@cache
def _person_title_forms() -> frozenset[str]:
    """Return the person titles of the tagger's triggers, bare or with one clitic letter."""
    titles = [key for key, kind in TRIGGERS.items() if kind == "person"]
    return frozenset(titles + [first + key for key in titles for first in "وفبلك"])


def _latin_spans(
    text: str, tokens: list[Token], known: list[_Span], catalog: Catalog
) -> list[_Span]:
    """Return typed capitalised sequences of English or Turkish text outside catalog matches."""
    covered = _positions(known)
    lower_words = {t.key for t in tokens if t.text[:1].islower()}
    out = []
    k, n = 0, len(tokens)
    while k < n:
        if k in covered or not _capitalised(tokens[k]):
            k += 1
            continue
        j = k + 1
        # A name never runs over a line break: a list of names ("Arsenal - West Ham United",
        # one fixture a line) is so many names, not one.
        while j < n and j not in covered and _same_line(text, tokens[j - 1], tokens[j]):
            if _capitalised(tokens[j]):
                j += 1
            elif (
                (tokens[j].key in _CONNECTORS or _hyphen(tokens[j - 1], tokens[j], tokens[j + 1 :]))
                and j + 1 < n
                and _capitalised(tokens[j + 1])
                and j + 1 not in covered
                and _same_line(text, tokens[j], tokens[j + 1])
            ):
                j += 2
            else:
                break
        span = _type_latin(text, tokens, k, j, lower_words)
        if span is not None:
            out.append(span)
        k = j
    return out


def _hyphen(before: Token, dash: Token, rest: list[Token]) -> bool:
    """Whether `dash` joins two parts of one name ("Abdul-Jabbar"), not two names with spaces
    around it ("Chelsea - Manchester City")."""
    return (
        dash.text == "-" and bool(rest) and before.end == dash.start and dash.end == rest[0].start
    )


def _same_line(text: str, before: Token, after: Token) -> bool:
    """Whether no line break separates two neighbouring tokens."""
    return "\n" not in text[before.end : after.start]


def _capitalised(token: Token) -> bool:
    return token.text[:1].isupper() and token.text[:1].isalpha() and not is_arabic(token.text)


def _type_latin(
    text: str, tokens: list[Token], i: int, j: int, lower_words: set[str]
) -> _Span | None:
    """Return the typed span of capitalised tokens [i, j), or None when the type is unclear."""
    # Leading common words and titles are not part of the name; titles type it.
    titled = i > 0 and tokens[i - 1].key in _PERSON_TITLES
    while i < j:
        key = tokens[i].key
        if key in _PERSON_TITLES:
            titled = True
        elif not (
            key in _COMMON
            or key in _CONNECTORS
            or (key in lower_words and _sentence_start(text, tokens, i))
        ):
            break
        i += 1
    while i < j and tokens[i].key in _CONNECTORS:
        i += 1
    while i < j and tokens[j - 1].key in _CONNECTORS:
        j -= 1
    if i >= j or all(t.key in _COMMON for t in tokens[i:j]):
        return None
    last = tokens[j - 1].key
    if j - i >= 2 and any(t.key in _ORG_WORDS for t in tokens[i:j]):
        return _Span(i, j, "organization", source="caps")
    if last in _PLACE_WORDS and j - i >= 2:
        return _Span(i, j, "place", source="caps")
    if titled and j - i <= 4:
        return _Span(i, j, "person", source="caps")
    said = j < len(tokens) and tokens[j].key in _PERSON_AFTER
    if said and 2 <= j - i <= 4:
        return _Span(i, j, "person", source="caps")
    # "Hazem Qassem, a Hamas spokesman": the title comes within a few words after a comma.
    if 2 <= j - i <= 4 and j < len(tokens) and tokens[j].text == ",":
        if any(t.key in _PERSON_TITLES for t in tokens[j + 1 : j + 6]):
            return _Span(i, j, "person", source="caps")
    return None


def _sentence_start(text: str, tokens: list[Token], i: int) -> bool:
    if i == 0:
        return True
    prev = tokens[i - 1]
    return (
        prev.text in _SENTENCE_END
        or prev.text in "\"'“‘«("
        or "\n" in text[prev.end : tokens[i].start]
    )


def _propagate(tokens: list[Token], spans: list[_Span], arabic: bool) -> list[_Span]:
    """Return later bare mentions of names found in full earlier (حازم قاسم ... قاسم).

    In Arabic organisations are not carried over: a lone word of one repeated (العربي,
    النادي) is more often a common word than the name again.
    """
    known, full = _names_to_repeat(tokens, spans, arabic)
    if not known:
        return []
    covered = _positions(spans)
    # Only a token that is some name's word with or without clitics may start a repeat.
    forms = set().union(*(clitic_forms(name) for name in [*known, *full]))
    out = []
    after = 0
    for k in [k for k, t in enumerate(tokens) if t.key in forms]:
        if k < after or k in covered:
            continue
        found = _repeat(tokens, k, covered, known, full, arabic)
        if found is not None:
            out.append(found)
            after = found.j
    return out


def _names_to_repeat(
    tokens: list[Token], spans: list[_Span], arabic: bool
) -> tuple[dict[str, _Span], dict[str, list[tuple[list[str], _Span]]]]:
    """Return the names a later bare mention may repeat: key -> span (a whole name, or a
    person's last name), and first word -> (later words, span) of each name of two or more."""
    known: dict[str, _Span] = {}
    full: dict[str, list[tuple[list[str], _Span]]] = {}
    for span in sorted(spans, key=lambda s: s.i):
        if span.entry is not None or (arabic and span.type == "organization"):
            continue
        keys = [
            clitic_variants(t.key)[-1] if n == 0 else t.key
            for n, t in enumerate(tokens[span.i : span.j])
        ]
        known.setdefault(" ".join(keys), span)
        if len(keys) >= 2:
            full.setdefault(keys[0], []).append((keys[1:], span))
        if span.type == "person" and len(keys) >= 2 and len(keys[-1]) >= 3:
            known.setdefault(keys[-1], span)
    return known, full


def _repeat(
    tokens: list[Token],
    k: int,
    covered: set[int],
    known: dict[str, _Span],
    full: dict[str, list[tuple[list[str], _Span]]],
    arabic: bool,
) -> _Span | None:
    """Return the repeat of a known name that starts at token k, whole names first."""
    tok = tokens[k]
    for variant in clitic_variants(tok.key):
        skip = len(tok.key) - len(variant)
        for rest, src in full.get(variant, ()):
            j = k + 1 + len(rest)
            if j <= len(tokens) and all(
                tokens[k + 1 + m].key == w and k + 1 + m not in covered for m, w in enumerate(rest)
            ):
                return _Span(k, j, src.type, None, skip, "doc", src)
    for variant in clitic_variants(tok.key):
        src = known.get(variant)
        if src is None:
            continue
        if arabic:
            # Spelt as in the name, not just alike once folded: على is not the name علي.
            ok = (
                is_arabic(tok.text)
                and len(variant) >= 3
                and _spelt_as(tok, len(tok.key) - len(variant), tokens, src)
                and (src.type != "person" or _may_be_name(variant))
            )
        else:
            ok = _capitalised(tok) and tok.key not in _COMMON  # Kasım: November
        if ok:
            found = _Span(k, k + 1, src.type, None, len(tok.key) - len(variant), "doc", src)
            return _widen(tokens, found, covered, src) if arabic else found
        return None
    return None


def _widen(tokens: list[Token], span: _Span, covered: set[int], src: _Span) -> _Span:
    """Return `span` grown over neighbours that continue the name as in `src` (نزار قباني)."""
    words = [clitic_variants(t.key)[-1] for t in tokens[src.i : src.j]]
    here = clitic_variants(tokens[span.i].key)[-1]
    if words.count(here) != 1:
        return span
    m = words.index(here)
    i, j = span.i, span.j
    while i > 0 and m - (span.i - i) > 0 and i - 1 not in covered:
        if clitic_variants(tokens[i - 1].key)[-1] != words[m - (span.i - i) - 1]:
            break
        i -= 1
    while j < len(tokens) and m + (j - span.i) < len(words) and j not in covered:
        if tokens[j].key != words[m + (j - span.i)]:
            break
        j += 1
    if i == span.i:
        return _Span(i, j, span.type, None, span.skip, "doc", src)
    skip = len(tokens[i].key) - len(clitic_variants(tokens[i].key)[-1])
    return _Span(i, j, span.type, None, skip, "doc", src)


def _may_be_name(key: str) -> bool:
    """Return whether a lone Arabic word may repeat a name: not a function word, and not a
    word the gazetteer knows only as part of other things (العربي, الأول, النصر)."""
    classes = set(gazetteer().get(key, "").split(",")) - {""}
    if classes & {"first", "sur"}:
        return True
    return key not in _AR_STOP and not classes


def _spelt_as(tok: Token, skip: int, tokens: list[Token], src: _Span) -> bool:
    """Return whether `tok` without its clitic letters is spelt like a word of `src`."""
    word = _MARKS.sub("", tok.text)[skip:]
    return any(_MARKS.sub("", t.text).endswith(word) for t in tokens[src.i : src.j])


def _link_repeats(tokens: list[Token], spans: list[_Span]) -> None:
    """Point a short unlinked person mention at the full name it repeats (قاسم -> حازم قاسم)."""
    full: dict[str, _Span] = {}
    for span in sorted(spans, key=lambda s: s.i):
        if span.type == "person" and span.entry is None and span.j - span.i >= 2:
            full.setdefault(tokens[span.j - 1].key, span)
    for span in spans:
        if span.entry is None and span.link is None and span.j - span.i == 1:
            src = next((full[v] for v in clitic_variants(tokens[span.i].key) if v in full), None)
            if src is not None and src is not span and span.type in ("person", "other"):
                span.link = src


def _mention(text: str, tokens: list[Token], span: _Span, lang: str) -> Mention:
    first, last = tokens[span.i], tokens[span.j - 1]
    start = first.start + _letters_offset(first.text, span.skip)
    surface = text[start : last.end]
    if span.entry is not None:
        return Mention(surface, span.type, start, last.end, span.entry.id, span.entry.name(lang))
    if span.link is not None:
        full = _mention(text, tokens, span.link, lang)
        return Mention(surface, full.type, start, last.end, full.id, full.name)
    name = _MARKS.sub("", surface)
    return Mention(surface, span.type, start, last.end, derived_id(span.type, name), name)


def _letters_offset(word: str, letters: int) -> int:
    """Return the index in `word` after its first `letters` letters (marks do not count)."""
    if letters <= 0:
        return 0
    seen = 0
    for idx, ch in enumerate(word):
        if not _MARKS.match(ch):
            seen += 1
            if seen == letters:
                return idx + 1
    return 0


def derived_id(kind: str, name: str) -> str:
    """Return the id of an entity in no table: its type and folded name ("person:حازم قاسم")."""
    return f"{kind}:{alias_key(name)}"
