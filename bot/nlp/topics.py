"""Topic taxonomy and a topic classifier for Arabic, English and Turkish news.

Three kinds of evidence, strongest first:
1. the source's own categories and tags ("Spor", "اقتصاد", "Politics"), mapped onto
   the taxonomy through the synonym table in data/topics.json;
2. a multinomial Naive Bayes model per language (models/topics.json.gz, trained by
   scripts/train_topics.py on labelled Turkish and Arabic news);
3. a curated keyword lexicon per topic and language (data/topics.json), which is all
   there is for English and for topics no labelled data covers (world, middle-east, ...).

Everything is analyzed with the same function used at training time (`analyze`).
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from bot.nlp.normalize import fold

_HERE = Path(__file__).resolve().parent
TAXONOMY_PATH = _HERE / "data" / "topics.json"
MODEL_PATH = _HERE / "models" / "topics.json.gz"

LANGS = ("ar", "en", "tr")
# A model class for "none of the labelled sections": it takes probability mass, never a topic.
OTHER = "_other"
# Only the start of a huge text is read: the topic is set by the headline and lead.
MAX_CHARS = 20_000
# A topic is returned when its combined confidence reaches this.
THRESHOLD = 0.5
MAX_TOPICS = 3
# Lexicon confidence for `hits` weighted keyword matches is 1 - exp(-hits / LEXICON_K):
# one keyword in a headline is enough (0.57)...
LEXICON_K = 1.2
# ...but in a longer text hits count for less (times sqrt(LEXICON_LENGTH / terms)), so one
# passing mention in an article does not make a topic.
LEXICON_LENGTH = 40

_WORD = re.compile(r"[^\W\d_]+")
_TURKISH = re.compile("[ğĞşŞıİçÇöÖüÜ]")
_TAG_SPLIT = re.compile(r"\s*[/|>»:,;،؛]\s*|\s+-\s+")
_STEMMERS = {"ar": "arabic", "en": "english", "tr": "turkish"}


# --- analysis -------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _stemmer(lang: str):  # PyStemmer has no type stubs to name the return type
    import Stemmer

    return Stemmer.Stemmer(_STEMMERS[lang])


def _fallback_terms(text: str, lang: str | None) -> list[str]:
    """Fold, split into words and stem: used while bot.nlp.analyzer is absent."""
    words = [w for w in _WORD.findall(fold(text)) if len(w) > 1]
    if lang not in _STEMMERS:
        return words
    return _stemmer(lang).stemWords(words)


@lru_cache(maxsize=1)
def _analyzer() -> tuple[str, Callable[[str, str | None], list[str]]]:
    try:
        from bot.nlp.analyzer import analyze_terms
    except ImportError:
        return "fallback", _fallback_terms
    return "bot.nlp.analyzer", analyze_terms


def analyzer_name() -> str:
    """Name the analysis in use, so the model can record what it was trained with."""
    return _analyzer()[0]


def analyze(text: str, lang: str | None) -> list[str]:
    """Return the stemmed, folded terms of `text` exactly as training saw them."""
    return list(_analyzer()[1](text[:MAX_CHARS], lang))


def guess_language(text: str) -> str:
    """Guess ar/en/tr, via bot.nlp.language when present, else by script."""
    try:
        from bot.nlp.language import detect_language
    except ImportError:
        pass
    else:
        try:
            lang = detect_language(text[:MAX_CHARS])
        except Exception:  # a detector bug must not stop classification
            lang = None
        if lang in LANGS:
            return lang
    if _mostly_arabic(text):
        return "ar"
    return "tr" if _TURKISH.search(text[:2000]) else "en"


def _mostly_arabic(text: str) -> bool:
    """Tell whether the start of `text` has more Arabic letters (U+0600-06FF) than Latin ones."""
    sample = text[:2000]
    # In UTF-8 the bytes D8-DB only ever lead a character of U+0600-06FF: counting them in C is
    # cheap, and when they are most of the sample the Latin letters cannot outnumber them.
    encoded = sample.encode("utf-8")
    arabic = sum(map(encoded.count, (b"\xd8", b"\xd9", b"\xda", b"\xdb")))
    if 2 * arabic > len(sample):
        return True
    # Counted on code points in numpy: a regex findall makes one string per letter.
    points = np.frombuffer(sample.encode("utf-32-le"), dtype="<u4")
    arabic = np.count_nonzero((points >= 0x600) & (points <= 0x6FF))
    latin = np.count_nonzero(
        ((points >= 0x41) & (points <= 0x5A))
        | ((points >= 0x61) & (points <= 0x7A))
        | ((points >= 0xC0) & (points <= 0x24F))
    )
    return bool(arabic > latin)


# --- taxonomy -------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """One taxonomy entry: a stable English id and its display names."""

    id: str
    names: dict[str, str]


@dataclass(frozen=True)
class _Taxonomy:
    topics: tuple[Topic, ...]
    synonyms: dict[str, str]  # folded source category -> topic id
    keywords: dict[str, dict[str, str]]  # raw keyword per lang -> topic id


@lru_cache(maxsize=1)
def _taxonomy() -> _Taxonomy:
    raw = json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))
    topics: list[Topic] = []
    synonyms: dict[str, str] = {}
    keywords: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for entry in raw["topics"]:
        tid = entry["id"]
        topics.append(Topic(tid, dict(entry["names"])))
        for name in [tid, *entry["names"].values(), *entry.get("synonyms", [])]:
            synonyms[_tag_key(name)] = tid
        for lang, words in entry.get("keywords", {}).items():
            for word in words:
                keywords[lang][word] = tid
    return _Taxonomy(tuple(topics), synonyms, keywords)


def all_topics() -> list[Topic]:
    """Return every topic of the taxonomy, in display order."""
    return list(_taxonomy().topics)


def topic_ids() -> list[str]:
    """Return every topic id, in display order."""
    return [t.id for t in _taxonomy().topics]


def topic_name(topic_id: str, lang: str | None = "en") -> str:
    """Return the display name of a topic in `lang` (English, then the id, as fallbacks)."""
    for topic in _taxonomy().topics:
        if topic.id == topic_id:
            return topic.names.get(lang or "en") or topic.names.get("en") or topic_id
    return topic_id


def _tag_key(tag: str) -> str:
    key = " ".join(_WORD.findall(fold(tag)))
    # Arabic sections often carry the article: "الرياضة" is "رياضه".
    return key[2:] if key.startswith("ال") and len(key) > 4 else key


def map_source_topics(tags: Iterable[str]) -> list[str]:
    """Map source categories/tags ("Spor", "اقتصاد", "World > Politics") to topic ids."""
    synonyms, found = _taxonomy().synonyms, []
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip():
            continue
        parts = [tag, *_TAG_SPLIT.split(tag)]
        for part in parts:
            tid = synonyms.get(_tag_key(part))
            if tid and tid not in found:
                found.append(tid)
    return found


# --- lexicon ----------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _lexicon(lang: str) -> dict[tuple[str, ...], str]:
    """Analyze the keywords of `lang` once: term sequence -> topic id."""
    out: dict[tuple[str, ...], str] = {}
    for word, tid in _taxonomy().keywords.get(lang, {}).items():
        terms = tuple(analyze(word, lang))
        if terms:
            out.setdefault(terms, tid)
    return out


@lru_cache(maxsize=4)
def _lexicon_grams(lang: str) -> tuple[dict[str, str], dict[str, int]]:
    """The lexicon's one-term keywords (term -> topic), and the longest keyword from each first term."""
    unigrams: dict[str, str] = {}
    longest: dict[str, int] = {}
    for terms, tid in _lexicon(lang).items():
        if len(terms) == 1:
            unigrams[terms[0]] = tid
        elif len(terms) <= 3:
            longest[terms[0]] = max(longest.get(terms[0], 0), len(terms))
    return unigrams, longest


def lexicon_scores(
    terms: list[str], lang: str, counts: Counter[str] | None = None
) -> dict[str, float]:
    """Score topics by keyword hits, damped by text length and by the leading topic's lead.

    `counts` is Counter(terms) when the caller has it.
    """
    lexicon = _lexicon(lang)
    if not lexicon or not terms:
        return {}
    unigrams, longest = _lexicon_grams(lang)
    if counts is None:
        counts = Counter(terms)
    # Hits add up per topic in the order of the keywords' first occurrence, one-term keywords
    # first, then two-term, then three-term: a float sum in that order, as it always was.
    matched: dict[tuple[str, ...], int] = {}
    starts = []
    for term, count in counts.items():
        if term in unigrams:
            matched[(term,)] = count
        if term in longest:
            starts.append(term)
    if starts:
        first = set(starts)
        positions = [i for i, term in enumerate(terms) if term in first]
        for n in (2, 3):
            for i in positions:
                if longest[terms[i]] >= n and i + n <= len(terms):
                    gram = tuple(terms[i : i + n])
                    if gram in lexicon:
                        matched[gram] = matched.get(gram, 0) + 1
    hits: dict[str, float] = {}
    for gram, count in matched.items():
        tid = lexicon[gram]
        hits[tid] = hits.get(tid, 0.0) + 1.0 + math.log(count)
    if not hits:
        return {}
    damping = min(1.0, math.sqrt(LEXICON_LENGTH / len(terms)))
    hits = {t: h * damping for t, h in hits.items()}
    top = max(hits.values())
    # A topic mentioned in passing in a long article should not rival the main one.
    return {t: (1 - math.exp(-h / LEXICON_K)) * math.sqrt(h / top) for t, h in hits.items()}


# --- statistical model ----------------------------------------------------------------


@dataclass(frozen=True)
class NaiveBayes:
    """Multinomial Naive Bayes over analyzed terms, for one language."""

    classes: tuple[str, ...]
    log_prior: tuple[float, ...]
    # Per-term log-likelihoods, centred across classes (terms no class prefers carry no weight).
    terms: dict[str, tuple[float, ...]]
    scale: float  # temperature fitted on held-out data so posteriors are usable as confidences
    # Log-odds grow with text length while certainty does not grow as fast: the evidence of
    # m known terms is scaled by m ** -beta (fitted on full texts and headline-length cuts).
    beta: float = 0.0

    def evidence(
        self, terms: list[str], counts: Counter[str] | None = None
    ) -> tuple[list[float], int]:
        """Return the summed per-class log-likelihoods and the number of known terms.

        `counts` is Counter(terms) when the caller has it.
        """
        index, matrix = self._matrix
        rows: list[int] = []
        weights: list[float] = []
        for term, count in (counts if counts is not None else Counter(terms)).items():
            row = index.get(term)
            if row is not None:
                rows.append(row)
                weights.append(1.0 if count == 1 else 1.0 + math.log(count))
        if not rows:
            return [0.0] * len(self.classes), 0
        # A running sum, term by term in first-occurrence order: the same floats as adding
        # them one at a time in Python (a plain numpy sum would pair them up differently).
        products = matrix[rows] * np.array(weights)[:, None]
        sums = np.add.accumulate(products, axis=0)[-1]
        return sums.tolist(), len(rows)

    @cached_property
    def _matrix(self) -> tuple[dict[str, int], np.ndarray]:
        """The term table as term -> row number and a (terms x classes) array."""
        index = {term: i for i, term in enumerate(self.terms)}
        return index, np.array(list(self.terms.values()), dtype=np.float64).reshape(
            len(index), len(self.classes)
        )

    def posteriors(self, terms: list[str]) -> dict[str, float]:
        """Return P(class | terms); the prior when no known term occurs."""
        sums, known = self.evidence(terms)
        return self.combine(sums, known)

    def combine(self, sums: list[float], known: int) -> dict[str, float]:
        """Turn evidence into posteriors with the fitted temperature."""
        factor = self.scale * max(known, 1) ** -self.beta
        scores = [p + factor * s for p, s in zip(self.log_prior, sums, strict=True)]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def to_json(self) -> dict:
        """Return a JSON-ready dict, rounded to keep the file small."""
        return {
            "classes": list(self.classes),
            "log_prior": [round(v, 4) for v in self.log_prior],
            "scale": round(self.scale, 5),
            "beta": round(self.beta, 4),
            "terms": {t: [round(v, 2) for v in row] for t, row in sorted(self.terms.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> NaiveBayes:
        """Rebuild a model written by `to_json`."""
        return cls(
            classes=tuple(data["classes"]),
            log_prior=tuple(data["log_prior"]),
            terms={t: tuple(row) for t, row in data["terms"].items()},
            scale=float(data["scale"]),
            beta=float(data.get("beta", 0.0)),
        )


@lru_cache(maxsize=1)
def load_models(path: Path = MODEL_PATH) -> dict[str, NaiveBayes]:
    """Load the per-language models once; {} when the model file is missing."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            raw = json.load(f)
    except FileNotFoundError:
        return {}
    return {lang: NaiveBayes.from_json(m) for lang, m in raw["models"].items()}


# Sentences whose analysis the model file records: if `analyze` no longer gives the same
# terms, the model was trained on different terms and must be retrained.
ANALYZER_PROBE = {
    "ar": "والمفاوضات الإسرائيلية بغزة، وللاعبين في الدوري السعودي وأسعار النفط. "
    "وقال المتحدث باسم الحكومة إن الوزارة ستعلن نتائج الانتخابات البرلمانية للمواطنين، "
    "فيما تراجعت أسهم الشركات والبنوك بسبب الأزمة الاقتصادية والتضخم في المستشفيات والمدارس.",
    "en": "Ministers' talks on inflation were running late; Liverpool's players scored. "
    "The company's shares fell sharply after researchers published studies of the vaccines, "
    "while lawmakers debated elections, wildfires and the government's technologies.",
    "tr": "Bakanların görüşmeleri, Galatasaray'ın maçları ve Merkez Bankası'nın faizleri. "
    "Cumhurbaşkanı, seçimlerden sonra hastanelerdeki doktorlarla ve öğretmenlerle görüştü; "
    "şirketlerin hisseleri düşerken bilim insanları iklim değişikliğini araştırıyorlar.",
}


def analyzer_probe() -> dict[str, list[str]]:
    """Return the current analysis of ANALYZER_PROBE."""
    return {lang: analyze(text, lang) for lang, text in ANALYZER_PROBE.items()}


def model_info(path: Path = MODEL_PATH) -> dict:
    """Return the model file's metadata (analyzer, training figures), without the weights."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        raw = json.load(f)
    raw.pop("models", None)
    return raw


# --- classification -------------------------------------------------------------------


def scores(text: str, lang: str | None = None, terms: list[str] | None = None) -> dict[str, float]:
    """Return the content-based confidence of every topic with any evidence, in [0, 1].

    `terms` is `analyze(text, lang)` when the caller already has it (ingest indexes the
    article with that analysis); it is used only when the text is read in that language.
    """
    if not isinstance(text, str) or not text.strip():
        return {}
    given = lang
    if len(text) > MAX_CHARS:
        text, terms = text[:MAX_CHARS], None
    if lang not in LANGS or (lang == "ar") != _mostly_arabic(text):
        # Unknown, or a feed's language that does not fit this text's script.
        lang = guess_language(text)
    if terms is None or lang != given:
        terms = analyze(text, lang)
    if not terms:
        return {}
    counts = Counter(terms)
    model = load_models().get(lang)
    nb = model.combine(*model.evidence(terms, counts)) if model else {}
    lex = lexicon_scores(terms, lang, counts)
    out: dict[str, float] = {}
    nb.pop(OTHER, None)
    for tid in set(nb) | set(lex):
        # Noisy-or: either source of evidence alone can carry a topic over the threshold.
        out[tid] = 1 - (1 - nb.get(tid, 0.0)) * (1 - lex.get(tid, 0.0))
    return out


def classify(
    text: str,
    lang: str | None = None,
    tags: Iterable[str] = (),
    source_topics: Iterable[str] = (),
    terms: list[str] | None = None,
) -> list[str]:
    """Return topic ids for a news text, best first, only those above the threshold.

    Topics given by the source (`source_topics`: feed categories or taxonomy ids) and
    article `tags` that map onto the taxonomy come first. Tags that do not map ("Gaza",
    "Messi") are read with the text, where the lexicon and model can use them. `terms` is
    `analyze(text, lang)` when the caller already has it.
    """
    tags = [t for t in (tags or ()) if isinstance(t, str)]
    given = map_source_topics([*(source_topics or ()), *tags])
    free_tags = [t for t in tags if not map_source_topics([t])]
    if free_tags and isinstance(text, str):
        if terms is not None and len(text) <= MAX_CHARS:
            # A newline never joins two words: the terms of the whole are those of its parts.
            terms = terms + analyze(" ; ".join(free_tags), lang)
        else:
            terms = None
        text = text[:MAX_CHARS] + "\n" + " ; ".join(free_tags)
    ranked = sorted(scores(text, lang, terms).items(), key=lambda kv: (-kv[1], kv[0]))
    found = [tid for tid, score in ranked if score >= THRESHOLD and tid not in given]
    return (given + found)[: max(MAX_TOPICS, len(given))]
