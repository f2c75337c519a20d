"""Measure the topic classifier: accuracy per language, confusion matrices, speed.

- Turkish: TTC-3600 held-out 20% (stratified, fixed seed; the shipped model never saw it).
- Arabic: SaudiNewsNet held-out 20% of the section-labelled articles (same split rules).
- Arabic and English headlines: benchmarks/data/topics_ar_en.tsv, HAND-LABELLED by the
  classifier's author (optimistic: the same person wrote the keyword lexicon). The lexicon
  and the thresholds were tuned on a separate set, topics_ar_en_dev.tsv, shown last.

    .venv/bin/python benchmarks/bench_topics.py
"""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from pathlib import Path

from common import REPO, machine

# train_topics holds the corpus loaders and the train/test split the model was fitted with.
sys.path.insert(0, str(REPO / "scripts"))

import train_topics  # noqa: E402

from bot.nlp import topics  # noqa: E402

HAND_LABELLED = REPO / "benchmarks" / "data" / "topics_ar_en.tsv"
HAND_LABELLED_DEV = REPO / "benchmarks" / "data" / "topics_ar_en_dev.tsv"
NONE = "(none)"


def confusion(gold: list[str], pred: list[str]) -> str:
    """Render a confusion matrix (rows gold, columns predicted) as text."""
    labels = sorted(set(gold))
    extra = sorted(set(pred) - set(labels))
    cols = labels + extra
    counts = Counter(zip(gold, pred, strict=True))
    width = max(len(c) for c in cols + ["gold/pred"]) + 1
    lines = ["gold/pred".ljust(width) + "".join(c[:7].rjust(8) for c in cols)]
    for g in labels:
        lines.append(g.ljust(width) + "".join(str(counts[g, p]).rjust(8) for p in cols))
    return "\n".join(lines)


def first(ids: list[str]) -> str:
    return ids[0] if ids else NONE


def report(title: str, gold: list[str], pred: list[str], lists: list[list[str]]) -> None:
    """Print accuracy, in-list rate, empty rate and the confusion matrix."""
    n = len(gold)
    top1 = sum(g == p for g, p in zip(gold, pred, strict=True)) / n
    inlist = sum(g in ls for g, ls in zip(gold, lists, strict=True)) / n
    empty = sum(not ls for ls in lists) / n
    mean_len = sum(len(ls) for ls in lists) / n
    print(f"\n## {title}: n={n}")
    print(
        f"top-1 accuracy {top1:.3f}   gold in list {inlist:.3f}   empty {empty:.3f}   "
        f"topics per text {mean_len:.2f}"
    )
    print(confusion(gold, pred))


def held_out(lang: str) -> None:
    """Measure on the held-out split of the labelled corpus for `lang`."""
    try:
        docs = train_topics.load(lang)
    except OSError:
        docs = []
    if not docs:
        print(f"\n## {lang}: no shared data, skipped")
        return
    _, test = train_topics.split(docs)
    # The "other" class (Arabic general/local sections) is a sink, never a topic: measure
    # on the labelled sections only.
    test = [doc for doc in test if doc[1] != topics.OTHER]
    gold = [label for _, label, _ in test]
    model = topics.load_models()[lang]
    nb_pred = []
    for _, _, text in test:
        post = model.posteriors(topics.analyze(text, lang))
        nb_pred.append(max(post, key=post.__getitem__))
    lists = [topics.classify(text, lang) for _, _, text in test]
    report(
        f"{lang} held-out, Naive Bayes argmax over {', '.join(model.classes)}", gold, nb_pred, lists
    )
    # classify() may put a topic the corpus has no label for (world, middle-east) first.
    report(f"{lang} held-out, classify() first topic", gold, [first(ls) for ls in lists], lists)
    titles = [text.split("\n", 1)[0] for _, _, text in test]
    if lang == "ar":
        lists = [topics.classify(t, lang) for t in titles]
        report("ar held-out, titles only, classify()", gold, [first(ls) for ls in lists], lists)


def hand_labelled(path: Path, name: str) -> None:
    """Measure on hand-labelled Arabic and English headlines."""
    with path.open(encoding="utf-8") as f:
        rows = [
            r for r in csv.DictReader((ln for ln in f if not ln.startswith("#")), delimiter="\t")
        ]
    for lang in ("ar", "en"):
        part = [r for r in rows if r["lang"] == lang]
        gold = [r["topic"] for r in part]
        lists = [topics.classify(r["text"], lang) for r in part]
        report(f"{lang} {name} (12-way)", gold, [first(ls) for ls in lists], lists)
        lists = [topics.classify(r["text"], None) for r in part]
        report(f"{lang} {name}, lang=None", gold, [first(ls) for ls in lists], lists)


def speed() -> None:
    """Time model loading (cold) and classification throughput."""
    topics.load_models.cache_clear()
    started = time.perf_counter()
    topics.load_models()
    load_ms = (time.perf_counter() - started) * 1000
    seed = next((REPO / "seeds").glob("*.txt")).read_text(encoding="utf-8")
    started = time.perf_counter()
    for _ in range(200):
        topics.classify(seed, "ar")
    per_doc = (time.perf_counter() - started) / 200 * 1000
    size = topics.MODEL_PATH.stat().st_size / 1024
    print(
        f"\n## speed: model {size:.0f} KiB, cold load {load_ms:.0f} ms, "
        f"classify seed article ({len(seed)} chars) {per_doc:.2f} ms"
    )
    print("seed article ->", topics.classify(seed, None))


def main() -> None:
    """Print every figure and the machine."""
    print("# bench_topics on", machine())
    info = topics.model_info()
    print(
        f"model analyzer: {info['analyzer']} (now: {topics.analyzer_name()}), seed {info['seed']}"
    )
    for lang in ("tr", "ar"):
        held_out(lang)
    hand_labelled(HAND_LABELLED, "hand-labelled test headlines")
    hand_labelled(HAND_LABELLED_DEV, "hand-labelled DEV headlines (tuned on)")
    speed()


if __name__ == "__main__":
    main()
