"""The one text analyzer: the same terms at index time and at query time.

Arabic: fold letters, strip proclitics (و ف ب ك ل ال, one layer at a time), Snowball stem.
Latin: Snowball English or Turkish (Turkish-aware lower-casing first), then fold.
Other scripts: fold only. The FTS index stores `analyze(text)`; display keeps the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain

import Stemmer

from bot.nlp.normalize import casefold, fold

# Word characters: letters and digits (not "_") and combining marks (harakat, Latin accents).
# Zero-width and bidi controls inside a word do not split it; apostrophes join a Turkish case
# suffix or an English clitic to its word ("Gazze'de", "Trump's").
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
_INVISIBLE = "\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad\u061c"
_WORD_CHAR = rf"(?:[^\W_]|[{_MARKS}])"
_APOSTROPHES = "'\u2019\u02bc"
_TOKEN = re.compile(
    rf"{_WORD_CHAR}+(?:[{_INVISIBLE}]+{_WORD_CHAR}+)*"
    rf"(?:[{_APOSTROPHES}]{_WORD_CHAR}+(?:[{_INVISIBLE}]+{_WORD_CHAR}+)*)*"
)
_APOSTROPHE = re.compile(f"[{_APOSTROPHES}]")
# Punctuation that is never part of a token; an apostrophe joins only between word characters.
# U+02BC is an apostrophe and also a letter, so a word character: it is not stripped.
_OUTER_PUNCTUATION = ".,،:;؛!?؟()[]{}«»\"“”„-–—…'\u2019"
# Pieces of a folded token: NFKC can turn one character into several words (U+FDFA).
_PIECE = re.compile(r"[^\W_]+")
_ARABIC_CHAR = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_CHAR = re.compile("[A-Za-z\u00c0-\u024f]")

# PyStemmer's own word cache (maxCacheSize) is off: the analyzer caches whole tokens, and
# purging that cache made each new word about twice as slow.
_STEMMERS = {name: Stemmer.Stemmer(name, 0) for name in ("arabic", "english", "turkish")}

# One-letter proclitics (and, so, with, like, for) need 3 letters left; the article needs 2.
_CLITIC_LETTERS = frozenset("وفبكل")
_MIN_AFTER_LETTER = 3
_MIN_AFTER_ARTICLE = 2
_MIN_PLURAL_STEM = 3
# Pronoun and plural suffixes, longest first, that may follow a protected word.
_SUFFIXES = tuple("اتهم اتها هما هم هن ها كم نا ات ين ون ان ه ك ي ا".split())
_CLITIC_LAYER = re.compile("[وف]?(?:لل|[بكل]?(?:ال)?)")

# Particles that Snowball must not turn nouns into.
_FUNCTION_WORDS = frozenset(
    "ولا لا ما من في ان عن علي الي هذا هذه كان التي الذي قد لم لن ثم او اي هو هي بعد قبل مع كل"
    " بين حتي منذ عند انه الا له لها هم كما اذا ذلك تلك".split()
)

# Words whose first letter looks like a proclitic but belongs to the word (وزاره is not و+زاره).
# Found as words that also take the article in SaudiNewsNet (الوزاره) while the word without its
# first letter is rarer, plus common names. Stripping stops at these words, so
# بوزاره, الوزاره and وزاره all reach the same term.
_PROTECTED = """
فريق وزاره وزير فتره لجنه كبير برنامج كبيره كثير وزراء لاعب فعاليات بلاد وطني فيصل ولايات بيان
وطنيه بدايه بلديه برامج بناء لاعبين واحده وسايل فرصه واقع فنيه وصول لقاء كبري وحده وكاله
بيانات بطوله فيلم كتاب بييه كامل كريم فكره كثيره كبار كلمه كليه فرنسي بريطانيه فرنسيه وديه
باحه وظايف كويت فرقه لجان وكيل وفاه بحريه فيفا ولايه لواء كهرباء بشريه فايده كتابه واقعه فساد
بلدان برلمان واسعه بعثه فيديو بلده كاتب كامله لحظه وحيد واضح فلسطينيه ليله بالغ فلسطيني لعبه
واضحه وظيفه وقود وحدات بنوك وثيقه فنان بنيه كفاءه فرحه فندق فيات كليات كهرباييه بقاء كميه
بطاقه بيضاء بريطاني فوضي بوابه فتاه وقوع كميات لبنانيه بسيطه لايحه لوحه كلمات فنادق فنون
باحثون لوحات كلام بورصه بالغه واجب كرديه وسيله باقي فضاء بديل فلسطينيين بريه وثايق بطولات
كافيه بترول وقوف فايز واسع فكريه وليد كريمه كاميرون لقاءات لبناني فقرات بعيده كويتي بيوت فتنه
بلديات بشري بطاقات فكري بحري كوكب ورشه ليبي والد باحث واجهه لياقيه كهربايي ولاده فرديه وارده
كويتيه كوادر باطن فنانين وحيده بطاله وجهات فتيات فصايل فراغ فوايد فترات فروع لازم كيان ليبيه
وجبه لاعبون بدنيه فريقين وجبات وزارات لحظات بريد لجوء بسيط كثيرون كورنيش كراهيه لوايح فلسفه
وفاء بهجه وكالات بضايع بحيره بارز فارس وصفه فضاييه فاعله كردي كاميرا فارق كثيرين بلاغ فصول
بحثيه بيييه وجوه لياقه فوريه فعال واقعيه بنود بديله بارده وضوح واردات فنانه فريد فاعل بنات
بحوث كفاءات فوري ورقيه فريده لحوم كثافه ليالي كوميدي فقيه وظيفيه كارثه فضيحه بارزه فرعيه لياقي
بصريه كتله ولاء ورقه فحوصات بلاغات وقايه ودايع كمبيوتر كلفه بكالوريوس وكلاء فيروس فعاله فقره
فقيره كابتن بخاري فضيله فايقه برلمانيه كشفيه كاميرات بايع وفره كرسي بابا لافت بدايل وزاري كمال
فايض كفيله كثيفه فارسي واحه كومبيوتر فهمي بركه وهميه فالح بشعه كوارث كثيف لغات كوميديه بصمه
ورود فاخره بشير وقايع كادر فاشله باعه وقفه كوري فندقيه فجوه وعود كيلومترات لقاح كنيسه فردي
فرار وسطيه واعده لاسلكيه كيمياييه فارسيه وداع فوزان لقطات واجبه بنين وحشيه وافد لاحقه وفود
كتيبه كوميديا فيضانات بقاع وسيط وافدين فهيد فاضل براك بساطه كوبي كتايب فواكه فاكهه بلاستيكيه
برونزيه باقات بطاريه كونكاكاف فلكلوريه كيماويه كرامه بصري بادره لمسات كاتبه فتاتين فضيه فضايح
وصايه برييه باكستاني بيشي بلدات كيانات فيتو فرضيه لفته بيعه لحمه فواتير بدلات فلاح بوابات
بدايات بيروقراطيه بشيري فلكيه فتوي برمجيات كتابات باهظه كلاسيكيه فوتوغرافيه باقيه كراسي فاتوره
وزاريه فقهيه فرسان فاصله كشوفات فتاوي بروتوكول براميل بداييه بقعه بارزين وثايقيه واتساب كفايه
بلادي باحثه وضعيه وسايط وثيق كواكب كبيرين بارد لقطه لايق باطله فناء بورصات وفاق واتس كاذبه
فريضه فاسده ليزر كليب فارغه وباء فراش بنايه واقعي واجهات واجبات بييات بريك وجدان واعيه وارد
فلسطينيون وازع باطل كسور كريهه كارثيه فرنك وثايقي كعبي فستان وليده وسطاء ليبرتادوريس بديع
بايسه بهلوانيه براء وساطه لصوص بيرو فلسفيه بريطانيون فاشل كافر الله فلسطين لبنان بريطانيا
فرنسا كندا كوريا ليبيا فنزويلا فيتنام بلجيكا بلغاريا بولندا لندن برلين بغداد بيروت واشنطن
فيينا كابول كينيا بنغازي بوتين بشار كوبا فنلندا لوزان بكين بنما باريس بروكسل كوسوفو كولومبيا
فيسبوك ويكيليكس وهران
"""
_PROTECTED_WORDS = frozenset(_PROTECTED.split())

# Characters FTS5's unicode61 tokenizer certainly keeps inside a token: letters and digits of
# Unicode 3.2 (it uses Unicode 6.1 tables, a superset); anything newer is dropped from terms.
_UCD_OLD = unicodedata.ucd_3_2_0


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Split text into word tokens with their start and end offsets into `text`."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


# Many proclitic forms share one stripped word (وزير from الوزير, بالوزير, للوزير): stem it once.
@lru_cache(maxsize=50_000)
def _snowball_arabic(word: str) -> str:
    """Stem a word whose proclitics are already stripped with Snowball, mending its misses."""
    if word.endswith("ات") and len(word) - 2 >= _MIN_PLURAL_STEM:
        # Snowball cuts only the ت of the plural ات: شركات -> شركا, never شرك like شركه.
        word = word[:-2]
    stem = _STEMMERS["arabic"].stemWord(word) or word
    if word.endswith("ك") and stem == word[:-1]:
        # News rarely says "your" (ك); names and nouns ending in ك are common: مبارك, تبوك.
        stem = word
    if stem in _FUNCTION_WORDS and stem != word:
        # Snowball cut a noun down to a particle (ولايه -> ولا, هييات -> هي): keep the noun.
        return word[:-1] if word.endswith("ه") else word
    # Snowball strips one more proclitic-looking layer (وزاره -> زار) without the checks of
    # `_strip_proclitics`, splitting وزاره from الوزاره: put those letters back. Verb prefixes
    # it cuts (سي، ست) stay off.
    cut = word.find(stem)
    if cut > 0 and _CLITIC_LAYER.fullmatch(word[:cut]):
        return word[:cut] + stem
    return stem


def _protected_forms() -> frozenset[str]:
    """Return the protected words with every suffix: وزير, وزيره, وزارته, بياناتهم."""
    forms = set(_PROTECTED_WORDS)
    for word in _PROTECTED_WORDS:
        if len(word) < _MIN_AFTER_LETTER:
            continue
        # Taa marbuta is written ت before a suffix: وزارته is وزاره + ه.
        bases = (word, word[:-1] + "ت") if word.endswith("ه") else (word,)
        forms.update(base + suffix for base in bases for suffix in _SUFFIXES)
    return frozenset(forms)


_PROTECTED_FORMS = _protected_forms()


def _is_protected(word: str) -> bool:
    """Return True for a protected word, also with a suffix: وزيره, وزارته, بياناتهم."""
    return word in _PROTECTED_FORMS


def _strip_proclitics(word: str) -> str:
    """Strip proclitics one layer at a time, stopping at a protected word or too short a rest."""
    while True:
        if _is_protected(word):
            return word
        # للبيت is ل + البيت with the article's alef dropped, but لليبيا is ل + ليبيا.
        if word.startswith("لل") and word[1:] in _PROTECTED_WORDS:
            word = word[1:]
        elif word.startswith(("ال", "لل")) and len(word) - 2 >= _MIN_AFTER_ARTICLE:
            word = word[2:]
        elif word[0] in _CLITIC_LETTERS and len(word) - 1 >= _MIN_AFTER_LETTER:
            word = word[1:]
        else:
            return word


def _arabic_term(folded: str) -> str:
    """Return the index term of one folded Arabic word."""
    return _snowball_arabic(_strip_proclitics(folded))


def _turkish_lower(word: str) -> str:
    """Lower-case with Turkish rules: I -> ı, İ -> i."""
    return word.replace("I", "ı").replace("İ", "i").lower()


def _latin_term(word: str, stemmer: str) -> str:
    """Return the index term of one Latin-script word for the given Snowball stemmer."""
    if stemmer == "turkish":
        # Turkish suffixes follow vowel harmony on ı/i: stem the real Turkish spelling.
        word = unicodedata.normalize("NFC", _turkish_lower(word))
        return fold(_STEMMERS["turkish"].stemWord(word) or word)
    folded = fold(word)
    return _STEMMERS[stemmer].stemWord(folded) or folded


def _drop_apostrophe_suffix(token: str) -> str:
    """Keep the word before a case suffix or clitic ("Gazze'de" -> "Gazze", "O'Brien" stays)."""
    parts = _APOSTROPHE.split(token)
    if len(parts) > 1 and len(parts[0]) >= 2:
        return parts[0]
    return "".join(parts)


def _is_safe_char(char: str) -> bool:
    """Tell whether FTS5's tokenizer certainly keeps `char` inside a token."""
    return _UCD_OLD.category(char)[0] in "LN"


# The safe characters up to the end of the Arabic supplement, for a set test in C.
_SAFE_CHARS = frozenset(filter(_is_safe_char, map(chr, range(0x800))))


def _safe(term: str) -> str:
    """Drop characters that FTS5's tokenizer might treat as separators."""
    if term.isascii() or _SAFE_CHARS.issuperset(term):
        return term
    return "".join(filter(_is_safe_char, term))


# News vocabulary is Zipfian: a bounded cache of token results does most of the work.
@lru_cache(maxsize=100_000)
def _token_terms(token: str, lang: str | None) -> tuple[str, ...]:
    """Return the index terms of one token (usually one; NFKC can split a ligature)."""
    if _ARABIC_CHAR.search(token):
        folded = fold(token)
        pieces = [folded] if folded.isalpha() else _PIECE.findall(folded)  # letters: one piece
        return tuple(filter(None, [_safe(_arabic_term(piece)) for piece in pieces]))
    word = _drop_apostrophe_suffix(token)
    if _LATIN_CHAR.search(word):
        stemmer = "turkish" if lang == "tr" else "english"
        pieces = _PIECE.findall(unicodedata.normalize("NFKC", word))
        terms = (_latin_term(p, stemmer) for p in pieces)
    else:
        terms = (p for p in _PIECE.findall(fold(word)))
    return tuple(t for t in (_safe(t) for t in terms) if t)


def _stemmer_lang(lang: str | None) -> str | None:
    """Map a detected language to the Latin stemmer key: only "tr" differs from English."""
    return "tr" if lang == "tr" else None


def term_spans(text: str, lang: str | None = None) -> list[tuple[str, int, int]]:
    """Return (term, start, end) for every index term, with offsets into the original text."""
    key = _stemmer_lang(lang)
    return [
        (term, start, end)
        for token, start, end in tokenize(text)
        for term in _token_terms(token, key)
    ]


def _chunk_terms(chunk: str, key: str | None) -> tuple[str, ...]:
    """Return the index terms of the tokens in one whitespace-free piece of text."""
    # Letters inside punctuation that never joins a token ("(الرياض،"): the letters are the token.
    core = chunk.strip(_OUTER_PUNCTUATION)
    if core.isalpha():
        return _token_terms(core, key)
    return tuple(term for token in _TOKEN.findall(chunk) for term in _token_terms(token, key))


# A token never holds whitespace (see test_tokens_never_span_whitespace), so the terms of a text
# are those of its whitespace-separated chunks in order, and news repeats its chunks ("وقال",
# "الرياض،") often enough that caching them skips the tokenizer for most words. One cache per
# stemmer so that the key is the bare string (the fast path of lru_cache).
@lru_cache(maxsize=100_000)
def _default_chunk_terms(chunk: str) -> tuple[str, ...]:
    """Return the terms of a chunk with the English stemmer for Latin words."""
    return _chunk_terms(chunk, None)


@lru_cache(maxsize=100_000)
def _turkish_chunk_terms(chunk: str) -> tuple[str, ...]:
    """Return the terms of a chunk with the Turkish stemmer for Latin words."""
    return _chunk_terms(chunk, "tr")


def analyze_terms(text: str, lang: str | None = None) -> list[str]:
    """Return the index terms of `text`; Latin words use `lang`'s stemmer (English if unknown)."""
    chunk_terms = _turkish_chunk_terms if _stemmer_lang(lang) == "tr" else _default_chunk_terms
    return list(chain.from_iterable(map(chunk_terms, text.split())))


def analyze(text: str, lang: str | None = None) -> str:
    """Return the text to store in the FTS index: space-joined terms."""
    return " ".join(analyze_terms(text, lang))


def query_alternatives(word: str) -> set[str]:
    """Return the index terms one query word may match, whatever the article's language.

    A Latin word may have been indexed from English (or unknown-language) text or from Turkish
    text, so both stems are returned (Turkish read with and without dotless ı), plus the plain
    folded word.
    """
    alternatives: set[str] = set()
    for token, _start, _end in tokenize(word):
        alternatives.update(_token_terms(token, None))
        if _LATIN_CHAR.search(token) and not _ARABIC_CHAR.search(token):
            alternatives.update(_token_terms(token, "tr"))
            # "GAZI" typed on a non-Turkish keyboard means "gazi" as often as "gazı".
            alternatives.update(_token_terms(casefold(token), "tr"))
            base = _drop_apostrophe_suffix(token)
            alternatives.update(t for t in (_safe(p) for p in _PIECE.findall(fold(base))) if t)
    return alternatives
