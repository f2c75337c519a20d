"""Measure story grouping on labelled SaudiNewsNet pairs and time grouping 10,000 articles.

Run: .venv/bin/python benchmarks/bench_stories.py [--articles 10000]

Labels: benchmarks/data/story_pairs.tsv (url_a, url_b, same), made by reading the titles and
leads of candidate pairs drawn across the similarity range (near-copies, edited copies, and
pairs whose titles share words but whose texts do not). Every article of the corpus is grouped
in publication order (date_extracted), then each labelled pair is checked:
purity = labelled-same among the pairs put in one story, recall = labelled-same pairs put in
one story. Entities come from the shared entity catalog when it is importable (exact alias
matches), else none: text similarity alone.
"""

from __future__ import annotations

import argparse
import csv
import time
from datetime import UTC, datetime

from common import REPO, machine, saudinewsnet, shared_data

from bot.nlp.stories import (
    SAME_TEXT,
    StoryFeatures,
    StoryGrouper,
    same_story,
    signature,
    similarity,
)
from bot.nlp.summarize import text_terms

PAIRS = REPO / "benchmarks" / "data" / "story_pairs.tsv"


def load_saudinewsnet() -> list[dict]:
    """Return every SaudiNewsNet article once (by url), oldest first."""
    seen: set[str] = set()
    out: list[dict] = []
    for article in saudinewsnet():
        if article["url"] not in seen:
            seen.add(article["url"])
            out.append(article)
    out.sort(key=lambda a: a["date_extracted"])
    return out


def published(article: dict) -> datetime:
    """Return the article's extraction time as an aware UTC datetime."""
    return datetime.fromisoformat(article["date_extracted"]).replace(tzinfo=UTC)


def entity_finder():  # noqa: ANN201 - returns a callable or None
    """Return a text -> entity ids function from the shared catalog, or None without it."""
    try:
        from bot.nlp.entities.catalog import Catalog
        from bot.nlp.entities.tokens import tokenize
    except ImportError:
        return None
    catalog = Catalog.load()

    def find(text: str) -> set[str]:
        keys = [t.key for t in tokenize(text)]
        found: set[str] = set()
        i = 0
        while i < len(keys):
            step = 1
            for n in catalog.lengths.get(keys[i], ()):
                phrases = catalog.phrases.get(" ".join(keys[i : i + n]))
                if phrases and len(phrases) == 1 and not phrases[0].weak:
                    found.add(phrases[0].entry.id)
                    step = n
                    break
            i += step
        return found

    return find


def features(article: dict, terms: list[str], find) -> StoryFeatures:  # noqa: ANN001
    """Build the grouping features of one article."""
    entities = find(f"{article['title']}\n{article['content'][:3000]}") if find else set()
    return StoryFeatures(signature(terms), entities, published(article), "ar")


def load_pairs() -> list[tuple[str, str, bool]]:
    """Return the labelled pairs."""
    with PAIRS.open(encoding="utf-8") as handle:
        rows = csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t")
        next(rows)
        return [(a, b, same == "1") for a, b, same in rows]


def scores(predicted: list[bool], truth: list[bool]) -> tuple[float, float, int, int, int]:
    """Return precision, recall, true positives, false positives, false negatives."""
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
    return tp / max(1, tp + fp), tp / max(1, tp + fn), tp, fp, fn


def main() -> None:
    """Print grouping quality and speed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if not (shared_data() / "saudinewsnet").is_dir():
        print("SaudiNewsNet not found under", shared_data(), "- skipped")
        return
    articles = load_saudinewsnet()
    find = entity_finder()
    print(f"articles: {len(articles)}; entities: {'catalog' if find else 'none'}")

    started = time.perf_counter()
    terms = [text_terms(f"{a['title']}\n{a['content']}", "ar") for a in articles]
    analysed = time.perf_counter() - started
    started = time.perf_counter()
    feats = [features(a, t, find) for a, t in zip(articles, terms, strict=True)]
    featured = time.perf_counter() - started
    grouper = StoryGrouper()
    for article, feature in zip(articles, feats, strict=True):
        grouper.add(article["url"], feature)
    print(f"analysis {analysed:.1f}s, features {featured:.1f}s for {len(articles)} articles")

    pairs = [p for p in load_pairs() if p[0] in grouper.story_of and p[1] in grouper.story_of]
    truth = [same for _, _, same in pairs]
    by_url = {a["url"]: f for a, f in zip(articles, feats, strict=True)}
    print(f"\nlabelled pairs: {len(pairs)} ({sum(truth)} same, {len(truth) - sum(truth)} not)")
    grouped = [grouper.story_of[a] == grouper.story_of[b] for a, b, _ in pairs]
    p, r, tp, fp, fn = scores(grouped, truth)
    print(
        f"StoryGrouper over the corpus: purity {p:.3f}  recall {r:.3f}  (tp {tp} fp {fp} fn {fn})"
    )
    direct = [same_story(by_url[a], by_url[b]) for a, b, _ in pairs]
    p, r, tp, fp, fn = scores(direct, truth)
    print(
        f"same_story on the pairs:      precision {p:.3f}  recall {r:.3f}  "
        f"(tp {tp} fp {fp} fn {fn})"
    )
    sims = [similarity(by_url[a].signature, by_url[b].signature) for a, b, _ in pairs]
    print("text similarity threshold sweep (signature only):")
    for threshold in sorted({0.1, 0.15, 0.2, 0.25, 0.3, SAME_TEXT, 0.4, 0.5}):
        p, r, *_ = scores([s >= threshold for s in sims], truth)
        print(f"  >= {threshold:.2f}: precision {p:.3f} recall {r:.3f}")
    sizes = sorted(len(v) for v in grouper.stories().values())
    print(
        f"stories: {len(sizes)}, with 2+ articles: {sum(s > 1 for s in sizes)}, "
        f"largest: {sizes[-1]}"
    )

    # Speed: analysis + signature + grouping for N articles, cycling through the corpus with
    # fresh ids and shifted dates when N exceeds it.
    print()
    for n in sorted({args.articles // 4, args.articles // 2, args.articles}):
        sample = [articles[i % len(articles)] for i in range(n)]
        started, cpu = time.perf_counter(), time.process_time()
        grouper = StoryGrouper()
        for i, article in enumerate(sample):
            words = text_terms(f"{article['title']}\n{article['content']}", "ar")
            feature = StoryFeatures(signature(words), set(), published(article), "ar")
            grouper.add(f"{i}", feature)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        regroup = StoryGrouper()
        for i in range(n):
            regroup.add(f"{i}", feats[i % len(feats)])
        group_only = time.perf_counter() - started
        print(
            f"{n:>6} articles: {total:.1f}s wall, {cpu:.1f}s cpu analyse+sign+group "
            f"({1000 * cpu / n:.2f} ms cpu each), "
            f"{group_only:.2f}s grouping alone"
        )


if __name__ == "__main__":
    main()
