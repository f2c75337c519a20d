"""Measure analyzer throughput (tokens/s) on SaudiNewsNet Arabic articles.

Run: .venv/bin/python benchmarks/bench_analyzer.py [number_of_articles]
Reads ../shared/data/saudinewsnet/*.zip (or $MOJAZ_SHARED_DATA/saudinewsnet).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.nlp import analyzer  # noqa: E402
from bot.nlp.language import detect_language  # noqa: E402


def shared_data() -> Path:
    """Return the shared development data folder."""
    default = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    return Path(os.environ.get("MOJAZ_SHARED_DATA", default))


def load_articles(limit: int) -> list[str]:
    """Return up to `limit` article texts (title and content) from SaudiNewsNet."""
    texts: list[str] = []
    for path in sorted((shared_data() / "saudinewsnet").glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                for item in json.loads(archive.read(name)):
                    texts.append(f"{item.get('title', '')}\n{item.get('content', '')}")
                    if len(texts) >= limit:
                        return texts
    return texts


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
    texts = load_articles(limit)
    if not texts:
        print("SaudiNewsNet not found under", shared_data())
        return
    tokens = sum(len(analyzer.tokenize(t)) for t in texts)
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
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
