"""Train the per-language Naive Bayes topic models into bot/nlp/models/topics.json.gz.

Data (read from ../shared/data or $MOJAZ_SHARED_DATA, never copied into the repo):
- Turkish: TTC-3600, six labelled categories.
- Arabic: SaudiNewsNet articles whose URL names the newspaper section (al-Watan's
  /Politics/, /Sports/, ...; 3alyoum's /news/pol/, /finance/, ...). Only sections whose
  name says the topic are used; local-news and opinion sections are left out.

Each language is split 80/20, stratified, with a fixed seed; the model is fitted on the
80% only, so benchmarks/bench_topics.py can measure it on the untouched 20%.

    .venv/bin/python scripts/train_topics.py
"""

from __future__ import annotations

import gzip
import json
import math
import os
import random
import sys
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.nlp import topics  # noqa: E402

SEED = 20260126
TEST_SHARE = 0.2
MIN_DF = 3
MAX_TERMS = 12_000
ALPHAS = (0.05, 0.1, 0.3, 1.0)

TTC_LABELS = {
    "ekonomi": "economy",
    "kultursanat": "culture",
    "saglik": "health",
    "siyaset": "politics",
    "spor": "sports",
    "teknoloji": "technology",
}
# (host fragment, first path segments) -> topic. Honest section names only.
SNN_SECTIONS = {
    ("alwatan.com.sa", "Politics"): "politics",
    ("alwatan.com.sa", "Economy"): "economy",
    ("alwatan.com.sa", "Sports"): "sports",
    ("alwatan.com.sa", "Culture"): "culture",
    ("3alyoum.com", "news/pol"): "politics",
    ("3alyoum.com", "finance"): "economy",
    ("3alyoum.com", "sports"): "sports",
    ("3alyoum.com", "culture"): "culture",
    ("3alyoum.com", "technology"): "technology",
    # General and local news sections: mixed topics (crime, health, services, foreign news).
    # They train an "other" class that soaks up texts outside the five labelled sections, so
    # the model does not force a health or science headline into politics; never output.
    ("alwatan.com.sa", "Local"): topics.OTHER,
    ("alwatan.com.sa", "Nation"): topics.OTHER,
    ("3alyoum.com", "news/local"): topics.OTHER,
    ("3alyoum.com", "news/regions"): topics.OTHER,
    ("3alyoum.com", "news/golobal"): topics.OTHER,
}
# Enough to absorb off-topic texts without drowning the five labelled sections (chosen on
# benchmarks/data/topics_ar_en_dev.tsv: 0 -> 0.70, 150 -> 0.92, 300 -> 0.83 top-1 there).
MAX_OTHER = 150

Doc = tuple[str, str, str]  # (id, label, text)


def shared_data_dir() -> Path:
    """Return the shared development data folder (may not exist)."""
    env = os.environ.get("MOJAZ_SHARED_DATA")
    return Path(env) if env else REPO / ".." / "shared" / "data"


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # A few TTC-3600 files are Windows-1254, the legacy Turkish code page.
        return raw.decode("cp1254", errors="replace")


def load_turkish(root: Path) -> list[Doc]:
    """Return TTC-3600 documents as (id, topic, text)."""
    docs = []
    for folder, label in TTC_LABELS.items():
        for path in sorted((root / "ttc3600" / folder).glob("*.txt")):
            docs.append((f"{folder}/{path.name}", label, _read_text(path)))
    return docs


def snn_label(url: str) -> str | None:
    """Return the topic a SaudiNewsNet URL's section names, or None."""
    parsed = urlparse(url)
    segs = [s for s in parsed.path.split("/") if s]
    for (host, section), label in SNN_SECTIONS.items():
        if host in parsed.netloc and "/".join(segs[: section.count("/") + 1]) == section:
            return label
    return None


def load_arabic(root: Path) -> list[Doc]:
    """Return SaudiNewsNet articles with an honest section label as (id, topic, text)."""
    docs, seen = [], set()
    for archive in sorted((root / "saudinewsnet").glob("*.zip")):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                for art in json.loads(zf.read(name)):
                    label = snn_label(art.get("url", ""))
                    title = (art.get("title") or "").strip()
                    if not label or not title or title in seen:
                        continue
                    seen.add(title)
                    docs.append((art["url"], label, f"{title}\n{art.get('content') or ''}"))
    others = [d for d in docs if d[1] == topics.OTHER]
    random.Random(SEED).shuffle(others)
    keep = {d[0] for d in others[:MAX_OTHER]}
    return [d for d in docs if d[1] != topics.OTHER or d[0] in keep]


def load(lang: str, root: Path | None = None) -> list[Doc]:
    """Return the labelled documents for `lang` ('tr' or 'ar')."""
    root = root or shared_data_dir()
    return load_turkish(root) if lang == "tr" else load_arabic(root)


def split(docs: list[Doc], seed: int = SEED) -> tuple[list[Doc], list[Doc]]:
    """Split stratified by label with a fixed seed: (train, test)."""
    by_label: dict[str, list[Doc]] = defaultdict(list)
    for doc in sorted(docs):
        by_label[doc[1]].append(doc)
    rng = random.Random(seed)
    train, test = [], []
    for label in sorted(by_label):
        group = by_label[label]
        rng.shuffle(group)
        cut = round(len(group) * TEST_SHARE)
        test += group[:cut]
        train += group[cut:]
    return train, test


def fit(
    docs: list[tuple[str, list[str]]], alpha: float, scale: float = 1.0, beta: float = 0.0
) -> topics.NaiveBayes:
    """Fit multinomial NB on (label, terms) pairs with damped counts 1 + log(tf)."""
    classes = sorted({label for label, _ in docs})
    index = {c: i for i, c in enumerate(classes)}
    counts = [Counter() for _ in classes]
    df: Counter[str] = Counter()
    n_docs = Counter(label for label, _ in docs)
    for label, terms in docs:
        tf = Counter(terms)
        df.update(tf.keys())
        row = counts[index[label]]
        for term, count in tf.items():
            row[term] += 1.0 + math.log(count)
    vocab = [t for t, n in df.most_common(MAX_TERMS) if n >= MIN_DF]
    log_probs = []
    for row in counts:
        total = sum(row[t] for t in vocab) + alpha * len(vocab)
        log_probs.append([math.log((row[t] + alpha) / total) for t in vocab])
    terms = {}
    for j, term in enumerate(vocab):
        column = [lp[j] for lp in log_probs]
        mean = sum(column) / len(column)
        terms[term] = tuple(v - mean for v in column)
    total_docs = sum(n_docs.values())
    prior = tuple(math.log(n_docs[c] / total_docs) for c in classes)
    return topics.NaiveBayes(tuple(classes), prior, terms, scale, beta)


HEADLINE_TERMS = 12


def _log_loss(model: topics.NaiveBayes, evidence: list[tuple[str, list[float], int]]) -> float:
    total = 0.0
    for label, sums, known in evidence:
        total -= math.log(max(model.combine(sums, known)[label], 1e-12))
    return total / len(evidence)


def _accuracy(model: topics.NaiveBayes, docs: list[tuple[str, list[str]]]) -> float:
    hits = sum(max(p := model.posteriors(t), key=p.__getitem__) == y for y, t in docs)
    return hits / len(docs)


def _calibrate(
    model: topics.NaiveBayes, val_docs: list[tuple[str, list[str]]]
) -> tuple[float, float]:
    """Pick (scale, beta) minimising log-loss on full texts and their headline-length starts."""
    evidence = []
    for label, terms in val_docs:
        for part in (terms, terms[:HEADLINE_TERMS]):
            sums, known = model.evidence(part)
            evidence.append((label, sums, known))
    best = None
    for beta in (0.0, 0.25, 0.5, 0.75, 1.0):
        for k in range(40):
            scale = 0.005 * 1.25**k
            trial = topics.NaiveBayes(model.classes, model.log_prior, model.terms, scale, beta)
            loss = _log_loss(trial, evidence)
            if best is None or loss < best[0]:
                best = (loss, scale, beta)
    return best[1], best[2]


def train_language(lang: str, docs: list[Doc]) -> tuple[topics.NaiveBayes, dict]:
    """Choose alpha and temperature on an inner split of `docs`, then fit on all of them."""
    analyzed = [(label, topics.analyze(text, lang)) for _, label, text in docs]
    inner_train, inner_val = split([(str(i), y, "") for i, (y, _) in enumerate(analyzed)], SEED + 1)
    fit_docs = [analyzed[int(i)] for i, _, _ in inner_train]
    val_docs = [analyzed[int(i)] for i, _, _ in inner_val]
    best = None
    for alpha in ALPHAS:
        model = fit(fit_docs, alpha)
        acc = _accuracy(model, val_docs)
        if best is None or acc > best[0]:
            best = (acc, alpha, model)
    val_acc, alpha, model = best
    scale, beta = _calibrate(model, val_docs)
    final = fit(analyzed, alpha, scale, beta)
    stats = {
        "docs": len(docs),
        "alpha": alpha,
        "scale": round(scale, 5),
        "beta": beta,
        "inner_val_accuracy": round(val_acc, 4),
        "labels": dict(sorted(Counter(y for y, _ in analyzed).items())),
    }
    return final, stats


def main() -> None:
    """Train every language whose data is present and write the model file."""
    root = shared_data_dir()
    if not root.is_dir():
        sys.exit(f"no shared data at {root}")
    started = time.perf_counter()
    models, stats = {}, {}
    for lang in ("tr", "ar"):
        train, _test = split(load(lang, root))
        models[lang], stats[lang] = train_language(lang, train)
        print(lang, json.dumps(stats[lang], ensure_ascii=False))
    out = {
        "version": 1,
        "analyzer": topics.analyzer_name(),
        "analyzer_probe": topics.analyzer_probe(),
        "seed": SEED,
        "test_share": TEST_SHARE,
        "training": stats,
        "models": {lang: m.to_json() for lang, m in models.items()},
    }
    topics.MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # mtime=0 keeps the file byte-identical across runs with the same data.
    with open(topics.MODEL_PATH, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(payload)
    size = topics.MODEL_PATH.stat().st_size
    print(
        f"wrote {topics.MODEL_PATH} ({size / 1024:.0f} KiB) in {time.perf_counter() - started:.1f}s"
    )


if __name__ == "__main__":
    main()
