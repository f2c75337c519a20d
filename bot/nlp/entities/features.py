"""CRF features for Arabic tokens: word forms, affixes, gazetteer and trigger-word classes."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from bot.nlp.entities.catalog import Catalog
from bot.nlp.entities.tokens import bare, fold_token

GAZETTEER = Path(__file__).resolve().parents[1] / "data" / "ner_gazetteer.tsv"
CLUSTERS = Path(__file__).resolve().parents[1] / "data" / "ner_clusters.tsv"

# Words that announce a name right after them: titles, verbs of saying, kinds of places/bodies.
_TRIGGERS = {
    "person": "الرئيس رئيس وزير الوزير وزيرة المتحدث متحدث متحدثة المتحدثة الناطق ناطق "
    "الناطقة السيد السيدة الدكتور د الشيخ الملك الأمير الأميرة النائب السفير القائد اللواء "
    "العميد العقيد الجنرال المستشار زعيم الزعيم نائب مدير المدير رئيسة الرئيسة المبعوث "
    "مبعوث الأمين أمين الإمام البابا المرشد الحاخام الصحفي الكاتب المحامي الأستاذ المهندس "
    "اللاعب المدرب الفنان العاهل ولي حاكم الحاكم القاضي",
    "say": "قال وقال قالت وقالت أكد وأكد أكدت وأكدت صرح وصرح صرحت أعلن وأعلن أعلنت أضاف "
    "وأضاف أضافت أوضح وأوضح أوضحت ذكر وذكر ذكرت أشار وأشار أشارت لفت أفاد بحسب حسب",
    "org": "حركة حزب منظمة وكالة شركة جماعة مجلس وزارة جامعة بنك البنك صندوق اتحاد الاتحاد "
    "جمعية هيئة لجنة مؤسسة صحيفة قناة كتائب مجموعة تنظيم جبهة الجبهة نادي فريق مصرف محكمة "
    "المحكمة برنامج مكتب مركز معهد",
    "place": "مدينة بلدة قرية محافظة ولاية منطقة إقليم العاصمة عاصمة مخيم جزيرة نهر بحر "
    "شمال جنوب شرق غرب شمالي جنوبي شرقي غربي ضواحي حي مطار ميناء معبر",
    "prep": "في إلى من عن على مع بين لدى نحو",
    "name-link": "بن ابن بنت أبو أبي أم عبد آل",
}
TRIGGERS: dict[str, str] = {}
for _kind, _words in _TRIGGERS.items():
    for _word in _words.split():
        TRIGGERS.setdefault(fold_token(_word), _kind)

OFFSETS = (-2, -1, 1, 2)
# word -> (own features, [context features prefixed for each offset in OFFSETS], first ctx)
_FEATURE_CACHE: dict[str, tuple[list[str], list[list[str]], str]] = {}


@cache
def gazetteer() -> dict[str, str]:
    """Return folded word -> gazetteer classes ("first", "city", ...), comma-joined."""
    out: dict[str, str] = {}
    if not GAZETTEER.exists():
        return out
    for line in GAZETTEER.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, _, classes = line.partition("\t")
            out[word] = classes
    return out


@cache
def clusters() -> dict[str, tuple[str, ...]]:
    """Return folded word -> its cluster ids, coarsest first (empty if the table is absent)."""
    out: dict[str, tuple[str, ...]] = {}
    if not CLUSTERS.exists():
        return out
    for line in CLUSTERS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, _, path = line.partition("\t")
            out[word] = tuple(path.split("."))
    return out


def cluster_of(forms: list[str]) -> tuple[str, ...]:
    """Return the cluster ids of the first form (least stripped first) that has some."""
    table = clusters()
    for form in forms:
        found = table.get(form)
        if found is not None:
            return found
    return ()


@cache
def catalog_words() -> dict[str, str]:
    """Return folded word -> entity type for every word of every catalog alias."""
    out: dict[str, set[str]] = {}
    for key, phrases in Catalog.load().phrases.items():
        parts = key.split(" ")
        for i, part in enumerate(parts):
            tag = ("1" if len(parts) == 1 else "b" if i == 0 else "i") + phrases[0].entry.type
            if all(p.weak for p in phrases):
                tag += "-weak"  # also a common word (مالي: Mali, "financial"): less telling
            out.setdefault(part, set()).add(tag)
    return {k: ",".join(sorted(v)) for k, v in out.items()}


def word_features(word: str) -> tuple[list[str], list[list[str]], str]:
    """Return a token's own features, its features as seen from each neighbour, its word key.

    Cached per word: news repeats words, and building feature strings is most of the cost.
    """
    found = _FEATURE_CACHE.get(word)
    if found is None:
        own, ctx = word_parts(word)
        found = (own + ctx, [[f"{off}{f}" for f in ctx] for off in OFFSETS], ctx[0])
        if len(_FEATURE_CACHE) > 200_000:
            _FEATURE_CACHE.clear()
        _FEATURE_CACHE[word] = found
    return found


def word_parts(word: str) -> tuple[list[str], list[str]]:
    """Return a token's features seen only on itself, and those its neighbours also see.

    Not cached. The first context feature (w=...) is the word key of bigram features.
    """
    key = fold_token(word) or word or " "
    stem = bare(key)
    gaz = gazetteer()
    cat = catalog_words()
    ctx = [f"w={key}"]
    if stem != key:
        ctx.append(f"b={stem}")
    forms = [key, stem]
    if stem.startswith("ال") and len(stem) > 4:
        forms.append(stem[2:])  # gazetteer entries mostly lack the article: اليوان -> يوان
    # Clusters learnt from unlabelled news generalise from words ANERcorp never shows.
    path = cluster_of(forms)
    if path:
        ctx.extend(f"k{level}={cid}" for level, cid in enumerate(path))
    else:
        ctx.append("k=none")
    for form in dict.fromkeys(forms):
        if form in gaz:
            ctx.extend(f"g={c}" for c in gaz[form].split(","))
        if form in cat:
            ctx.extend(f"c={c}" for c in cat[form].split(","))
        if form in TRIGGERS:
            ctx.append(f"t={TRIGGERS[form]}")
    own = [
        f"p1={key[:1]}",
        f"p2={stem[:2]}",
        f"p3={stem[:3]}",
        f"p4={stem[:4]}",
        f"s2={key[-2:]}",
        f"s3={key[-3:]}",
        f"s4={key[-4:]}",
        f"len={min(len(stem), 9)}",
    ]
    # Inner letter trigrams tell transliterated foreign names from Arabic root patterns.
    padded = f"<{stem}>"
    own.extend(f"ng={padded[k : k + 3]}" for k in range(len(padded) - 2))
    if stem.startswith("ال"):
        own.append("al")
        own.append(f"als2={stem[-2:]}")
    if key[0].isdigit():
        own.append("digit")
    elif key.isascii():
        own.append("latin" if key.isalpha() else "punct")
    elif not key[0].isalpha():
        own.append("punct")
    if len(stem) <= 2:
        own.append("short")
    return own, list(dict.fromkeys(ctx))


WordFeatures = Callable[[str], tuple[list[str], list[list[str]], str]]


def sentence_features(words: list[str], lookup: WordFeatures | None = None) -> list[list[str]]:
    """Return the feature list of each word of one sentence, with neighbour context.

    `lookup` replaces `word_features` (the tagger passes one that drops features its model
    never saw, so crfsuite has fewer strings to look up).
    """
    per_word = [(lookup or word_features)(w) for w in words]
    n = len(words)
    out = []
    for i in range(n):
        feats = ["bias", *per_word[i][0]]
        if i == 0:
            feats.append("BOS")
        if i == n - 1:
            feats.append("EOS")
        for slot, off in enumerate(OFFSETS):
            j = i + off
            if 0 <= j < n:
                feats.extend(per_word[j][1][slot])
        if i > 0:
            feats.append(f"bg={per_word[i - 1][2]}|{per_word[i][2]}")
        out.append(feats)
    return out


def span_words(words: list[str], tags: list[str]) -> list[tuple[str, str]]:
    """Return (bare folded word, type) for each word inside a tagged span of one sentence."""
    out = []
    for word, tag in zip(words, tags, strict=True):
        if tag == "O":
            continue
        key = label_key(word)
        if key is not None:
            out.append((key, tag[2:]))
    return out


def label_key(word: str) -> str | None:
    """Return the key under which a tagged word labels the document, or None if it cannot."""
    key = bare(fold_token(word) or word)
    return key if len(key) >= 3 and key not in TRIGGERS else None


def has_doc_labels(words: list[str], labels: dict[str, set[str]]) -> bool:
    """Return True when some word of the sentence was marked elsewhere in the document."""
    return any(bare(fold_token(w) or w) in labels for w in words)


def add_doc_features(
    feats: list[list[str]], words: list[str], labels: dict[str, set[str]]
) -> list[list[str]]:
    """Append what a first pass said about the same words elsewhere in the document."""
    keys = [bare(fold_token(w) or w) for w in words]
    seen = [sorted(labels.get(k, ())) for k in keys]
    for i, f in enumerate(feats):
        f.extend(f"d={k}" for k in seen[i])
        if i > 0:
            f.extend(f"-1d={k}" for k in seen[i - 1])
        if i + 1 < len(feats):
            f.extend(f"1d={k}" for k in seen[i + 1])
    return feats
