"""Compare search recall and precision: analyzed FTS5 index against plain unicode61 on raw text.

Run: .venv/bin/python benchmarks/bench_search_recall.py [number_of_articles]
Reads ../shared/data/saudinewsnet/*.zip (or $MOJAZ_SHARED_DATA/saudinewsnet).

Each query is a bare noun as a user types it. An article counts as relevant when its text holds
that noun in any form a reader would accept: with proclitics (و ف ب ك ل ال), the article, a
pronoun or plural suffix, any hamza, taa marbuta or harakat spelling. That judgement uses a
regular expression written here, independent of the analyzer.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import time

from common import machine, saudinewsnet_texts

from bot.nlp.analyzer import analyze
from bot.nlp.normalize import fold
from bot.nlp.query import parse_query, to_match

QUERIES = """
غزة إسرائيل قطر مصر سوريا اليمن إيران تركيا العراق لبنان الرياض جدة مكة وزارة وزير حكومة
مدرسة جامعة مستشفى شركة سيارة طائرة مباراة نادي لاعب مدينة منطقة رمضان صحة تعليم نفط إرهاب
مشروع مطار محكمة شرطة
""".split()

_PROCLITICS = "(?:[وف]?(?:لل|[بكل]?(?:ال)?))"
_SUFFIXES = "(?:ها|هما|هم|هن|ه|ي|يه|يين|يون|ات|ين|ون|ان|نا|كم|ك|ا)?"


def relevant_pattern(query: str) -> re.Pattern[str]:
    """Match the query noun in any inflected form, on folded text."""
    noun = fold(query)
    if noun.startswith("ال"):
        noun = noun[2:]
    # Taa marbuta (folded to ه) becomes ت before a suffix and ات in the plural: حكومه,
    # حكومته, حكومات.
    if noun.endswith("ه"):
        noun = noun[:-1] + "(?:ه|ت|ات)"
    return re.compile(rf"(?<!\w){_PROCLITICS}{noun}{_SUFFIXES}(?!\w)")


def build(db: sqlite3.Connection, name: str, rows: list[str]) -> None:
    """Create and fill an FTS5 table."""
    tokenizer = "unicode61 remove_diacritics 0 tokenchars ''"
    db.execute(f'CREATE VIRTUAL TABLE {name} USING fts5(body, tokenize="{tokenizer}")')
    with db:
        db.executemany(f"INSERT INTO {name}(rowid, body) VALUES (?, ?)", enumerate(rows))


def found(db: sqlite3.Connection, table: str, match: str | None) -> set[int]:
    """Return the rowids that match."""
    if match is None:
        return set()
    return {
        row[0] for row in db.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (match,))
    }


def main() -> None:
    """Print recall and precision of both indexes over the query set."""
    limit = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    texts = saudinewsnet_texts(limit)
    if not texts:
        print("SaudiNewsNet not found")
        return
    print(f"machine: {machine()}")
    folded = [fold(t) for t in texts]
    db = sqlite3.connect(":memory:")
    start = time.perf_counter()
    build(db, "analyzed", [analyze(t, "ar") for t in texts])
    print(f"{len(texts)} articles; analyzed index built in {time.perf_counter() - start:.1f} s")
    build(db, "plain", texts)

    totals = {"plain": [0, 0, 0], "analyzed": [0, 0, 0]}  # relevant found, returned, relevant
    print(f"{'query':<10} {'relevant':>8} {'plain R':>8} {'ours R':>8} {'ours P':>8}")
    for query in QUERIES:
        pattern = relevant_pattern(query)
        relevant = {i for i, text in enumerate(folded) if pattern.search(text)}
        plain = found(db, "plain", '"' + query + '"')
        ours = found(db, "analyzed", to_match(parse_query(query)))
        for name, hits in (("plain", plain), ("analyzed", ours)):
            totals[name][0] += len(hits & relevant)
            totals[name][1] += len(hits)
            totals[name][2] += len(relevant)
        recall_plain = len(plain & relevant) / max(1, len(relevant))
        recall_ours = len(ours & relevant) / max(1, len(relevant))
        precision = len(ours & relevant) / max(1, len(ours))
        print(
            f"{query:<10} {len(relevant):>8} {recall_plain:>8.2f} {recall_ours:>8.2f} {precision:>8.2f}"
        )
    for name, (hit, returned, relevant_count) in totals.items():
        print(
            f"{name:<9} micro recall {hit / relevant_count:.3f}  "
            f"micro precision {hit / max(1, returned):.3f}  ({hit}/{relevant_count} found)"
        )


if __name__ == "__main__":
    main()
