"""Benchmark entity extraction: CoNLL P/R/F1 on two ANERcorp held-out splits, and throughput.

Run: .venv/bin/python benchmarks/bench_ner.py [--articles 400] [--tagger-speed]
Skips when the shared development data is absent (env MOJAZ_SHARED_DATA overrides its path).

Two held-out splits of 10% each are scored (bot/nlp/entities/evaluate.py):
- "blocks": every tenth run of 50 sentences, spread over the corpus like the usual random
  10% split of ANERcorp, but keeping neighbouring sentences (one article) together so the
  same names do not sit on both sides of the split.
- "last": the last 10% of sentences, the split first used here; mostly sport and car news,
  so it is harder and domain-skewed.
The committed models are trained on the sentences in neither split (81% of the corpus, by
scripts/train_ner.py), so both figures are on text the models never saw; tuning used a dev
slice of that training part only.
"""

from __future__ import annotations

import argparse
import json
import time
import zipfile
from pathlib import Path

from common import machine, shared_data, teaser  # noqa: E402

from bot.nlp.entities.evaluate import SPLITS, read_conll, score, split  # noqa: E402
from bot.nlp.entities.extract import (  # noqa: E402
    _sentences,
    extract_entities,
    extract_entities_many,
)
from bot.nlp.entities.tagger import ArabicTagger  # noqa: E402
from bot.nlp.entities.tokens import tokenize  # noqa: E402

BLOCK = 25  # ANERcorp has no article boundaries: blocks of sentences stand in for articles
TAGS = {"person": "PERS", "organization": "ORG", "place": "LOC", "other": "MISC"}


def blocks(sents: list) -> list[list]:
    """Return consecutive groups of BLOCK sentences."""
    return [sents[k : k + BLOCK] for k in range(0, len(sents), BLOCK)]


def tagger_tags(dev: list, stage_one: bool) -> list[list[str]]:
    """Return the tagger's tags for each dev sentence, one block of sentences at a time."""
    tagger = ArabicTagger()
    if stage_one:
        tagger = ArabicTagger(model=Path("/nonexistent"))
    out = []
    for block in blocks(dev):
        out.extend(tagger.tag([words for words, _ in block]))
    return out


def extractor_tags(dev: list) -> list[list[str]]:
    """Return IOB tags from the whole extractor (catalog, tagger, patterns, propagation)."""
    out = []
    for block in blocks(dev):
        text, where = "", []  # where: (sentence index in block, token index, start, end)
        for s, (words, _) in enumerate(block):
            for t, word in enumerate(words):
                where.append((s, t, len(text), len(text) + len(word)))
                text += word + " "
            text += "\n"
        tags = [["O"] * len(words) for words, _ in block]
        for m in extract_entities(text, "ar"):
            inside = [(s, t) for s, t, a, b in where if a < m.end and m.start < b]
            for n, (s, t) in enumerate(inside):
                if s == inside[0][0]:
                    tags[s][t] = ("B-" if n == 0 else "I-") + TAGS[m.type]
        out.extend(tags)
    return out


def print_scores(title: str, gold: list, pred: list) -> float:
    """Print P/R/F1 per type; return overall F1."""
    print(title)
    result = score(gold, pred)
    for kind, s in result.items():
        print(f"  {kind:5} P={s['p']:.3f} R={s['r']:.3f} F1={s['f1']:.3f} (n={s['n']})")
    return result.get("all", {}).get("f1", 0.0)


def news(folder: Path, articles: int) -> list[str]:
    """Return the title and text of the first SaudiNewsNet articles."""
    texts = []
    for path in sorted(folder.glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                for item in json.loads(archive.read(name)):
                    texts.append(f"{item.get('title') or ''}\n{item.get('content') or ''}")
        if len(texts) >= articles:
            break
    return texts[:articles]


def tagger_speed(folder: Path, articles: int) -> None:
    """Print the CRF tagger's own speed (numpy decoder and pycrfsuite) on news articles.

    The first quarter of the articles warms the word caches, as a running bot's are; the
    rest is timed in CPU time, each article tagged by both, one after the other.
    """
    docs = []
    for text in news(folder, articles):
        tokens = tokenize(text)
        # The extractor's sentence split, so the tagger sees what it sees in ingest.
        spans = _sentences(text, tokens)
        docs.append([[tokens[k].text for k in range(a, b)] for a, b in spans])
    warm, timed = docs[: len(docs) // 4], docs[len(docs) // 4 :]
    fast, reference = ArabicTagger(), ArabicTagger()
    for doc in warm:
        fast.tag(doc)
        reference.tag_crfsuite(doc)
    tokens = sum(len(s) for doc in timed for s in doc)
    print(f"tagger alone: {len(timed)} articles, {tokens} tokens, after {len(warm)} to warm up")
    # First pass: ~1 word in 10 is new to the caches; second pass: every word is cached.
    for run in ("new articles", "same again"):
        spent = [0.0, 0.0]
        same = 0
        for doc in timed:
            started = time.process_time()
            got = fast.tag(doc)
            middle = time.process_time()
            expected = reference.tag_crfsuite(doc)
            spent[0] += middle - started
            spent[1] += time.process_time() - middle
            same += got == expected
        figures = ", ".join(
            f"{name} {cpu / len(timed) * 1000:.2f} ms/article ({tokens / cpu:,.0f} tokens/s)"
            for name, cpu in zip(("numpy", "pycrfsuite"), spent, strict=True)
        )
        print(
            f"  {run}: {figures}, x{spent[1] / spent[0]:.1f}; "
            f"same tags on {same} of {len(timed)} articles"
        )


def throughput(folder: Path, articles: int) -> None:
    """Print tokens/s of extraction over SaudiNewsNet articles on one core, text by text and
    in batches of 64 as ingest calls it (extract_entities_many); then the same for feed items
    (each article's first sentences, up to 300 characters)."""
    texts = news(folder, articles)
    extract_entities(texts[0], "ar")  # load the catalog and models outside the timing
    for kind, sample in (("articles", texts), ("feed items", [teaser(t) for t in texts])):
        tokens = sum(len(tokenize(t)) for t in sample)
        runs = {
            "one by one": lambda s=sample: sum(len(extract_entities(t, "ar")) for t in s),
            "batches of 64": lambda s=sample: sum(
                len(found)
                for k in range(0, len(s), 64)
                for found in extract_entities_many([(t, "ar") for t in s[k : k + 64]])
            ),
        }
        for name, run in runs.items():
            started, cpu = time.perf_counter(), time.process_time()
            mentions = run()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            # CPU time is the one-core figure when other work shares the machine.
            print(
                f"throughput, {kind}, {name}: {len(sample)} SaudiNewsNet {kind}, {tokens} tokens, "
                f"{mentions} mentions: {tokens / elapsed:,.0f} tokens/s wall ({elapsed:.2f}s), "
                f"{tokens / cpu:,.0f} tokens/s of CPU ({cpu:.2f}s), "
                f"{cpu / len(sample) * 1000:.2f} ms each"
            )


def main() -> None:
    """Print the figures, or say why they were skipped."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=400)
    ap.add_argument(
        "--tagger-speed", action="store_true", help="time only the CRF tagger on news articles"
    )
    args = ap.parse_args()
    data = shared_data()
    print(f"machine: {machine()}")
    if args.tagger_speed:
        if any((data / "saudinewsnet").glob("*.zip")):
            tagger_speed(data / "saudinewsnet", args.articles)
        else:
            print(f"skipped: no {data / 'saudinewsnet'}/*.zip")
        return
    conll = data / "anercorp" / "train.conll"
    if not conll.exists():
        print(f"skipped: {conll} not found")
        return
    sents = read_conll(conll)
    for how in SPLITS:
        _, dev = split(sents, how)
        gold = [tags for _, tags in dev]
        print(
            f"ANERcorp held-out split {how!r}: {len(dev)} sentences, "
            f"{sum(len(w) for w, _ in dev)} tokens"
        )
        print_scores(
            "CRF, stage 1 (word, affix, cluster, gazetteer, trigger features):",
            gold,
            tagger_tags(dev, stage_one=True),
        )
        print_scores(
            "CRF, stage 2 (+ what stage 1 found elsewhere in the document):",
            gold,
            tagger_tags(dev, stage_one=False),
        )
        print_scores(
            "extract_entities (catalog + CRF + title patterns + propagation):",
            gold,
            extractor_tags(dev),
        )
    news = data / "saudinewsnet"
    if any(news.glob("*.zip")):
        throughput(news, args.articles)
    else:
        print(f"throughput skipped: no {news}/*.zip")


if __name__ == "__main__":
    main()
