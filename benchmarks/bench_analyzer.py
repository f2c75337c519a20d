"""Measure analyzer throughput (tokens/s) on SaudiNewsNet Arabic articles.

Run: .venv/bin/python benchmarks/bench_analyzer.py [number_of_articles]
Reads ../shared/data/saudinewsnet/*.zip (or $MOJAZ_SHARED_DATA/saudinewsnet).
"""

from __future__ import annotations

import sys
import time

from common import machine, saudinewsnet_texts, shared_data

from bot.nlp import analyzer
from bot.nlp.language import detect_language


def timed(label: str, texts: list[str], tokens: int, func) -> None:
    """Run `func` over `texts` once and print tokens/s."""
    start = time.perf_counter()
    for text in texts:
        func(text)
    elapsed = time.perf_counter() - start
    print(f"{label:<34} {elapsed:7.2f} s  {tokens / elapsed:12,.0f} tokens/s")


def main() -> None:
    """Print the machine and analyzer throughput."""
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    texts = saudinewsnet_texts(limit)
    if not texts:
        print("SaudiNewsNet not found under", shared_data())
        return
    tokens = sum(len(analyzer.tokenize(t)) for t in texts)
    print(f"machine: {machine()}")
    print(f"{len(texts)} articles, {tokens:,} tokens")
    analyzer._token_terms.cache_clear()
    timed("analyze, cold cache", texts, tokens, lambda t: analyzer.analyze(t, "ar"))
    timed("analyze, warm cache", texts, tokens, lambda t: analyzer.analyze(t, "ar"))
    timed("term_spans, warm cache", texts, tokens, lambda t: analyzer.term_spans(t, "ar"))
    timed("tokenize only", texts, tokens, analyzer.tokenize)
    timed("detect_language", texts, tokens, detect_language)
    analyzer._token_terms.cache_clear()
    # Worst case: every token new to the cache.
    words = sorted({w for t in texts[:2000] for w, _s, _e in analyzer.tokenize(t)})
    start = time.perf_counter()
    for word in words:
        analyzer._token_terms(word, None)
    elapsed = time.perf_counter() - start
    print(
        f"{'distinct words, no cache':<34} {elapsed:7.2f} s  {len(words) / elapsed:12,.0f} words/s"
    )


if __name__ == "__main__":
    main()
