"""Short and long article summaries: the editor's subtitle, else the article's own best sentences.

- The subtitle is used when it is sensible: at least 3 words and 15 characters, not the title
  again, not a dateline or agency notice; one longer than the budget gives its leading whole
  sentences, or none.
- Otherwise the article's sentences are ranked by position, closeness to the title and to the
  article's centroid (analyzed terms, idf-weighted), and the best that fit are shown in the
  article's order, skipping near-repeats.
- The dateline, the place tag and agency subscription notices are never part of a summary;
  duplicate paragraphs count once; in a body mixing two scripts the article's language wins.
- A sentence that ends a paragraph without punctuation is given a full stop (unless that would
  make the summary longer than the body).
- When no whole sentence fits the budget, the best sentence is cut at its last clause boundary
  (، , ; :) that fits and marked with "…"; without such a boundary there is no summary (None).
- Only the first 20,000 characters and 80 sentences are read, so any body costs milliseconds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, islice
from operator import mul

from bot.nlp.analyzer import analyze_terms
from bot.nlp.language import detect_language
from bot.nlp.normalize import fold
from bot.nlp.sentences import split_sentences

SHORT_MAX_CHARS = 400
LONG_CHARS_PER_SENTENCE = 300
# Work caps so a 200,000-character body costs the same as a long article.
MAX_BODY_CHARS = 20_000
MAX_SENTENCES = 80
MIN_SENTENCE_WORDS = 4
MIN_SENTENCE_CHARS = 20
REDUNDANT_JACCARD = 0.5
# Sentence score weights (see benchmarks/bench_summaries.py): news puts its point first.
W_POSITION, W_TITLE, W_CENTROID = 0.45, 0.3, 0.25
POSITION_DECAY = 0.5

_WORD = re.compile(r"\w+")
# Runs of letters of each script, counted by length: far fewer matches than single letters.
_ARABIC_RUN = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+")
_LATIN_RUN = re.compile(r"[A-Za-z\u00c0-\u024f]+")
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
SENTENCE_END = re.compile(r"[.!?؟…۔][\"'»”’)\]]*$")
_CLAUSE_END = re.compile(r"[،,;؛:—–]")
# Words that open a new clause of a long Arabic sentence that has no comma: a cut before one
# leaves a whole clause ("... النجار وتم خلال اللقاء ..." -> "... النجار…").
_CLAUSE_OPENER = re.compile(
    r" (?=(?:حيث|كما|وقد|وتم|وهذا|وهذه|مما|بينما|فيما|ثم|لكن|ولكن|وأضاف|وأكد|وأوضح|وأشار)\s)"
)

# Agency boilerplate, matched on folded text: the paragraph is cut where the notice starts.
_NOTICE_TEXTS = (
    "الأخبار المنشورة على الصفحة الرسمية لوكالة الأناضول",
    "نظام تدفق الأخبار (HAS)",
    "من أجل الاشتراك لدى الوكالة",
    "Anadolu Agency website contains only a portion of the news",
    "AA News Broadcasting System",
    "Please contact us for subscription options",
    "Anadolu Ajansı web sitesinde",
    "AA Haber Akış Sistemi",
    "Abonelik için lütfen iletişime geçiniz",
)
_NOTICES = [fold(s) for s in _NOTICE_TEXTS]
_AGENCIES = (
    r"Reuters|AP|AFP|AA|Anadolu|UPI|DPA|Xinhua|SPA|WAM|QNA|KUNA|BNA|IHA|DHA|"
    r"الأناضول|واس|رويترز|أ ف ب|ا ف ب|د ب أ|وام|قنا|كونا|بنا|سبق|عين اليوم|الوئام"
)
# "LONDON (Reuters) -", "Ankara (AA) -", "الرياض - واس:", "واشنطن (رويترز) -", and a
# byline before the outlet: "محمد السريعي – عين اليوم."
_INLINE_DATELINE = re.compile(
    rf"^[^\n.!?؟]{{0,60}}?(?:\((?:{_AGENCIES})\)|[-–—/]\s*(?:{_AGENCIES}))\s*[-–—:.]\s*"
)
# The outlet first, then the place: "سبق- أبها:", "واس- الأحساء:".
_AGENCY_PLACE = re.compile(
    rf"^(?:{_AGENCIES})\s*[-–—]\s*[^\s.!?؟:،]+(?:\s[^\s.!?؟:،]+){{0,2}}\s*:\s*"
)
# A bare place before a colon or dash opens many Arabic reports ("الرياض:"); removed only
# when the words name a place the entity table knows, so "قال الوزير:" stays.
_LEADING_PLACE = re.compile(r"^([^\s.!?؟:،\-–—]+(?:\s[^\s.!?؟:،\-–—]+){0,2})\s*[:\-–—]\s+")
# A closing line of tags or a link back to the story, as some sites end every article.
_TRAILERS = ("سمات ", "الوسوم:", "رابط الخبر", "Tags:", "Etiketler:")


def text_terms(text: str, lang: str | None) -> list[str]:
    """Return the index terms of `text` (the shared analyzer: folded, stemmed)."""
    return analyze_terms(text, lang)


def guess_language(text: str) -> str:
    """Return "ar", "tr" or "en" for `text`; the script decides when the detector cannot."""
    found = detect_language(text)
    if found in ("ar", "en", "tr"):
        return found
    if len(_ARABIC_LETTER.findall(text)) > len(_LATIN_LETTER.findall(text)):
        return "ar"
    return "tr" if re.search("[çğışöüÇĞİŞÖÜ]", text) else "en"


def is_notice(text: str) -> bool:
    """Tell whether `text` contains a known agency subscription notice."""
    return _has_notice(fold(text))


def _has_notice(folded: str) -> bool:
    """Tell whether folded text contains a known agency subscription notice."""
    return any(map(folded.__contains__, _NOTICES))


def clean_body(body: str, title: str = "") -> str:
    """Drop the place tag, dateline, agency notices, repeated title and duplicate paragraphs."""
    return "\n".join(line for line, _folded in _clean_lines(body, title))


def _clean_lines(body: str, title: str) -> list[tuple[str, str]]:
    """Return the lines of `clean_body` with their folds."""
    body = body[:MAX_BODY_CHARS]
    lines = [" ".join(line.split()) for line in body.split("\n")]
    kept: list[tuple[str, str]] = []
    seen = {fold(title).strip()} if title.strip() else set()
    in_header = True
    for line in lines:
        if not line:
            continue
        if in_header and _is_header_line(line):
            continue
        in_header = False
        line, key = _cut_notice(line)
        if not line or key in seen:
            continue
        seen.add(key)
        kept.append((line, key))
    if kept and kept[-1][0].startswith(_TRAILERS) and len(kept[-1][0]) <= 200:
        kept.pop()
    if kept:
        first = _strip_dateline(kept[0][0])
        if first != kept[0][0]:
            kept[0] = (first, fold(first))
    return [(line, key) for line, key in kept if line]


def _strip_dateline(line: str) -> str:
    """The first line without its dateline or byline: agency and place, in either order."""
    line = _AGENCY_PLACE.sub("", _INLINE_DATELINE.sub("", line, count=1), count=1)
    place = _LEADING_PLACE.match(line)
    if place and _is_place(place.group(1)):
        line = line[place.end() :]
    return line


def _is_place(words: str) -> bool:
    """Whether `words` name a place in the entity table or the NER gazetteer's place lists."""
    from bot.nlp.entities.catalog import Catalog  # loaded once, when first needed
    from bot.nlp.entities.features import gazetteer

    if any(entry.type == "place" for entry in Catalog.load().resolve(words)):
        return True
    classes = gazetteer().get(fold(words), "")
    return any(kind in classes.split(",") for kind in ("city", "country", "loc"))


def summarize(
    title: str,
    body: str,
    lang: str | None = None,
    subtitle: str = "",
    max_chars: int | None = None,
    sentences: int | None = None,
) -> str | None:
    """Summarize an article in whole sentences, or return None when no summary is available.

    Short mode (sentences=None) gives the subtitle when it is sensible, else the best sentences
    within `max_chars` (default 400). Long mode (sentences=n) gives up to n sentences, opening
    with the subtitle when sensible, within `max_chars` (default 300 per sentence).
    """
    want = None if sentences is None else max(1, min(int(sentences), 10))
    budget = max_chars
    if budget is None:
        budget = SHORT_MAX_CHARS if want is None else LONG_CHARS_PER_SENTENCE * want
    if budget <= 0:
        return None
    if lang is None or lang not in ("ar", "en", "tr"):
        lang = guess_language(f"{title}\n{body[:2000]}")
    lead = _sensible_subtitle(title, subtitle, lang, budget)
    if lead and want is None:
        return lead
    # Every path below reads the same ranked sentences: analyse them once.
    ranking = _rank(title, body, lang)
    if lead:
        more = _pick(ranking, lang, budget - len(lead) - 2, (want or 1) - 1, lead)
        return " ".join([with_stop(lead), *more]) if more else lead
    chosen = _pick(ranking, lang, budget, want)
    if chosen:
        result = " ".join(chosen)
        if len(result) > len(body):
            # Only added full stops can make it longer: a body that is one unpunctuated
            # paragraph is given back as it is rather than grown.
            result = " ".join(_pick(ranking, lang, budget, want, stop=False))
        return result if 0 < len(result) <= len(body) else None
    return _clause_fallback(ranking, body, budget)


@dataclass
class _Ranking:
    """The candidate sentences of an article; their terms and scores are computed when needed.

    A teaser's sentences often all fit the budget, and then no ranking is needed at all.
    """

    title: str
    lang: str
    candidates: list[str]

    @cached_property
    def terms(self) -> list[list[str]]:
        """The index terms of each candidate."""
        return [text_terms(s, self.lang) for s in self.candidates]

    @cached_property
    def term_sets(self) -> list[set[str]]:
        """The set of index terms of each candidate."""
        return [set(t) for t in self.terms]

    @cached_property
    def scores(self) -> list[float]:
        """The score of each candidate (see `score_sentences`)."""
        return _score(text_terms(self.title, self.lang), self.candidates, self.terms)


def _rank(title: str, body: str, lang: str) -> _Ranking:
    """Find the candidate sentences, to be analysed (once) only if needed."""
    return _Ranking(title, lang, candidate_sentences(body, lang, title))


def extract(
    title: str,
    body: str,
    lang: str,
    max_chars: int,
    count: int | None = None,
    avoid: str = "",
    stop: bool = True,
) -> list[str]:
    """Return the best whole sentences of `body` that fit `max_chars`, in article order.

    With `stop`, a sentence that ends a paragraph without punctuation is given a full stop.
    """
    if max_chars <= 0:
        return []
    return _pick(_rank(title, body, lang), lang, max_chars, count, avoid, stop)


def _pick(
    ranking: _Ranking,
    lang: str,
    max_chars: int,
    count: int | None = None,
    avoid: str = "",
    stop: bool = True,
) -> list[str]:
    """Return the best ranked sentences that fit `max_chars`, in article order (see `extract`)."""
    finish = with_stop if stop else str
    if max_chars <= 0 or not ranking.candidates:
        return []
    candidates = ranking.candidates
    avoid_terms = [set(text_terms(avoid, lang))] if avoid else []
    if count is None or count >= len(candidates):
        everything = [finish(c) for c in candidates]
        if sum(map(len, everything)) + len(everything) - 1 <= max_chars and not _any_repeat(
            ranking, avoid_terms
        ):
            # Every sentence fits and none repeats another: whatever the order of the loop
            # below, it would pick them all.
            return everything
    scores, term_sets = ranking.scores, ranking.term_sets
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    picked: list[int] = []
    used = 0
    for i in order:
        if count is not None and len(picked) >= count:
            break
        text = finish(candidates[i])
        extra = len(text) + (1 if picked else 0)
        if used + extra > max_chars:
            continue
        selected_terms = [term_sets[j] for j in picked] + avoid_terms
        if any(_jaccard(term_sets[i], t) >= REDUNDANT_JACCARD for t in selected_terms):
            continue
        picked.append(i)
        used += extra
    return [finish(candidates[i]) for i in sorted(picked)]


def _any_repeat(ranking: _Ranking, avoid_terms: list[set[str]]) -> bool:
    """Tell whether a candidate is a near-repeat of another one or of `avoid_terms`."""
    if len(ranking.candidates) + len(avoid_terms) < 2:
        return False  # nothing to compare, nothing to analyse
    sets = ranking.term_sets
    return any(
        _jaccard(sets[i], other) >= REDUNDANT_JACCARD
        for i in range(len(sets))
        for other in [*sets[:i], *avoid_terms]
    )


def candidate_sentences(body: str, lang: str, title: str = "") -> list[str]:
    """Return the sentences of the cleaned body that could stand in a summary."""
    lines = _clean_lines(body, title)
    # A paragraph that is one sentence is folded already.
    line_folds = dict(lines)
    found: list[str] = []
    seen: set[str] = set()
    for sentence in split_sentences("\n".join(line for line, _folded in lines), lang):
        key = line_folds[sentence] if sentence in line_folds else fold(sentence)
        if key in seen or not _is_prose(sentence, key):
            continue
        seen.add(key)
        found.append(sentence)
        if len(found) >= MAX_SENTENCES:
            break
    same_script = [s for s in found if _in_script(s, lang)]
    # A body in two languages: keep the article's language unless that leaves nothing.
    return same_script or found


def score_sentences(title: str, sentences: list[str], lang: str) -> list[float]:
    """Score each sentence by position, closeness to the title and to the article's centroid.

    Terms are weighted by inverse sentence frequency inside the article, so words found in
    every sentence (particles, the outlet's name) count for little.
    """
    return _score(text_terms(title, lang), sentences, [text_terms(s, lang) for s in sentences])


def _score(title_terms: list[str], sentences: list[str], terms: list[list[str]]) -> list[float]:
    """Score sentences whose terms are already known (see `score_sentences`)."""
    # Floating-point sums here keep the order of the plain loops (sentence by sentence, terms in
    # first-seen order) so that scores, and so summaries, stay bit-for-bit the same.
    counts = [Counter(t) for t in terms]
    df = Counter(chain.from_iterable(counts))  # sentence frequency, terms in first-seen order
    n = len(sentences)
    logs = {freq: math.log(1.0 + n / freq) for freq in set(df.values())}
    idf = {term: logs[freq] for term, freq in df.items()}
    vectors = [{t: c * idf[t] for t, c in count.items()} for count in counts]
    centroid = dict.fromkeys(df, 0.0)
    for vector in vectors:
        for term, weight in vector.items():
            centroid[term] += weight
    unseen = math.log(1.0 + n)
    title_vector = {t: idf.get(t, unseen) for t in title_terms}
    # The title's and the centroid's norms are the same for every sentence: compute them once.
    title_norm, centroid_norm = _norm(title_vector), _norm(centroid)
    scores = []
    for i, (sentence, vector) in enumerate(zip(sentences, vectors, strict=True)):
        position = 1.0 / (1.0 + POSITION_DECAY * i)
        norm = _norm(vector)
        to_title = _cosine(vector, title_vector, norm, title_norm) if title_vector else 0.0
        to_centroid = _cosine_in(vector, centroid, norm, centroid_norm)
        length = min(1.0, len(sentence) / 80)
        score = W_POSITION * position + W_TITLE * to_title + W_CENTROID * to_centroid
        scores.append(score * (0.5 + length / 2))
    return scores


def _sensible_subtitle(title: str, subtitle: str, lang: str, budget: int) -> str:
    """Return the subtitle (or its leading whole sentences) when it can serve as the summary."""
    text = " ".join(subtitle.split())
    if len(text) < 15 or len(text.split()) < 3 or is_notice(text) or _is_dateline(text):
        return ""
    if _jaccard(set(text_terms(text, lang)), set(text_terms(title, lang))) >= 0.8:
        return ""  # the title again, not a summary
    if len(text) <= budget:
        return text
    kept = ""
    for sentence in split_sentences(text, lang):
        joined = f"{kept} {sentence}".strip()
        if len(joined) > budget:
            break
        kept = joined
    return kept


def _clause_fallback(ranking: _Ranking, body: str, budget: int) -> str | None:
    """Cut the best sentence at its last clause boundary within the budget, marked with "…"."""
    candidates = ranking.candidates
    if not candidates:
        return None
    if len(candidates) == 1:
        best = candidates[0]  # no need to score it
    else:
        scores = ranking.scores
        best = candidates[max(range(len(candidates)), key=lambda i: (scores[i], -i))]
    limit = min(budget, len(body)) - 1  # room for the ellipsis
    cuts = [m.start() for m in _CLAUSE_END.finditer(best, 0, max(limit, 0))]
    cuts += [m.start() for m in _CLAUSE_OPENER.finditer(best, 0, max(limit, 0))]
    cut = max(cuts, default=None)
    if cut is None or cut < limit // 3:
        return None
    return best[:cut].rstrip() + "…"


def _is_header_line(line: str) -> bool:
    """Tell whether a leading line is a place tag or a "City / Author / Agency" dateline."""
    if _is_dateline(line):
        return True
    # A place tag: one to three words, no punctuation ("Gazze", "New York").
    return len(line) <= 30 and len(line.split()) <= 3 and not re.search(r"[.!?؟،,:;]", line)


def _is_dateline(line: str) -> bool:
    """Tell whether a line is a dateline such as "غزة / محمد ماجد / الأناضول"."""
    parts = [p for p in line.split("/") if p.strip()]
    if len(line) > 90 or len(parts) < 2 or SENTENCE_END.search(line):
        return False
    return all(len(p.split()) <= 5 for p in parts)


def _cut_notice(line: str) -> tuple[str, str]:
    """Remove an agency notice and whatever follows it in the paragraph; return it and its fold."""
    for raw in _NOTICE_TEXTS:
        at = line.find(raw)
        if at != -1:
            line = line[:at].rstrip()
    folded = fold(line)
    if _has_notice(folded):  # a variant spelling: drop from the first sentence that carries it
        kept = []
        for sentence in split_sentences(line):
            if is_notice(sentence):
                break
            kept.append(sentence)
        line = " ".join(kept)
        folded = fold(line)
    return line, folded


# A quoted verse that opens an official statement ("قال الله تعالى: ((...))"): no news in it.
_SCRIPTURE = tuple(fold(s) for s in ("قال الله تعالى", "قال تعالى", "يقول الله تعالى", "بسم الله"))


def _is_prose(sentence: str, folded: str) -> bool:
    """Tell whether a sentence (and `folded`, its fold) is long and wordy enough to summarize with."""
    if len(sentence) < MIN_SENTENCE_CHARS or sentence.rstrip().endswith((":", "：")):
        return False
    if "http" in sentence or _has_notice(folded) or folded.startswith(_SCRIPTURE):
        return False
    # Only whether there are enough words matters: stop reading at the last one needed.
    words = sum(1 for _ in islice(_WORD.finditer(sentence), MIN_SENTENCE_WORDS))
    if words < MIN_SENTENCE_WORDS:
        return False
    # The letters of the all-letter words are a cheap lower bound that usually settles it.
    if sum(map(len, filter(str.isalpha, sentence.split(" ")))) >= len(sentence) / 2:
        return True
    letters = sum(map(str.isalpha, sentence))
    return letters >= len(sentence) / 2


def _in_script(sentence: str, lang: str) -> bool:
    """Tell whether most letters of `sentence` are in the script of `lang`."""
    if lang == "ar" and _LATIN_LETTER.search(sentence) is None:
        return True  # no Latin letter: the Arabic count cannot lose
    arabic = sum(map(len, _ARABIC_RUN.findall(sentence)))
    latin = sum(map(len, _LATIN_RUN.findall(sentence)))
    return arabic >= latin if lang == "ar" else latin >= arabic


def with_stop(sentence: str) -> str:
    """Return a sentence ending with sentence punctuation (a paragraph without one gets ".")."""
    return sentence if SENTENCE_END.search(sentence) else sentence.rstrip("،,;؛:—– ") + "."


def _norm(vector: dict[str, float]) -> float:
    """Return the Euclidean length of a term-weight vector."""
    weights = list(vector.values())
    return math.sqrt(sum(map(mul, weights, weights)))


def _cosine(a: dict[str, float], b: dict[str, float], norm_a: float, norm_b: float) -> float:
    """Return the cosine of two term-weight vectors, given their norms."""
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    norm = norm_a * norm_b
    return dot / norm if norm else 0.0


def _cosine_in(a: dict[str, float], b: dict[str, float], norm_a: float, norm_b: float) -> float:
    """Return the cosine of two term-weight vectors where every term of `a` is in `b`."""
    if not a or not b:
        return 0.0
    dot = sum(map(mul, a.values(), map(b.__getitem__, a)))
    norm = norm_a * norm_b
    return dot / norm if norm else 0.0


def _jaccard(a: set[str], b: set[str]) -> float:
    """Return the Jaccard overlap of two term sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
