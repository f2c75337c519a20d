"""Compare our extractive summaries with lead-k and LexRank by ROUGE, and time them.

Run: .venv/bin/python benchmarks/bench_summaries.py [--articles 1500]

Arabic (SaudiNewsNet): the reference is the article's headline, the one editor-written summary
the corpus has (it has no subtitles; the first paragraph would be no fair reference because it
IS the lead-k baseline). All systems pick whole sentences from the same candidate sentences
(the cleaned body as `summarize` sees it) within the same character budget, and are shown in
article order. "ours" is `summarize` without the subtitle; because our ranker reads the title
and the reference is that title, "ours, title hidden" (summarize with an empty title) is the
fair comparison. ROUGE-1/2/L are F1 over the shared analyzer's terms; ROUGE-L is the longest
common subsequence of the whole summary against the reference.

Turkish (TTC-3600) has no titles or summaries, so no ROUGE: we report how often a summary is
made, that it ends with sentence punctuation, its length and speed. No English corpus ships
with the project data, so English is not measured.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from collections import Counter
from collections.abc import Callable

from common import machine, saudinewsnet, shared_data, ttc3600

from bot.nlp.summarize import (
    SENTENCE_END,
    candidate_sentences,
    summarize,
    text_terms,
    with_stop,
)

Summarizer = Callable[[str, str, str, int], str | None]


# --- ROUGE ---------------------------------------------------------------------------------


def _ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _f1(overlap: float, candidate: int, reference: int) -> float:
    if not overlap or not candidate or not reference:
        return 0.0
    p, r = overlap / candidate, overlap / reference
    return 2 * p * r / (p + r)


def rouge_n(candidate: list[str], reference: list[str], n: int) -> float:
    """Return ROUGE-N F1 with clipped n-gram counts."""
    c, r = _ngrams(candidate, n), _ngrams(reference, n)
    return _f1(sum((c & r).values()), sum(c.values()), sum(r.values()))


def rouge_l(candidate: list[str], reference: list[str]) -> float:
    """Return ROUGE-L F1 from the longest common subsequence."""
    if not candidate or not reference:
        return 0.0
    previous = [0] * (len(reference) + 1)
    for token in candidate:
        current = [0]
        for j, ref in enumerate(reference):
            current.append(previous[j] + 1 if token == ref else max(previous[j + 1], current[j]))
        previous = current
    return _f1(previous[-1], len(candidate), len(reference))


# --- baselines -----------------------------------------------------------------------------


def fit(sentences: list[str], order: list[int], budget: int) -> str | None:
    """Take sentences in `order` while they fit `budget`; show them in article order."""
    picked, used = [], 0
    for i in order:
        text = with_stop(sentences[i])
        extra = len(text) + (1 if picked else 0)
        if used + extra <= budget:
            picked.append(i)
            used += extra
    return " ".join(with_stop(sentences[i]) for i in sorted(picked)) or None


def lead(title: str, body: str, lang: str, budget: int) -> str | None:
    """Lead-k: the first sentences that fit."""
    sentences = candidate_sentences(body, lang, title)
    return fit(sentences, list(range(len(sentences))), budget)


def lexrank_scores(sentences: list[str], lang: str, idf: dict[str, float]) -> list[float]:
    """Return LexRank centrality: tf-idf cosine graph (threshold 0.1), damped power iteration."""
    vectors = []
    for sentence in sentences:
        counts = Counter(text_terms(sentence, lang))
        vectors.append({t: c * idf.get(t, 1.0) for t, c in counts.items()})
    norms = [math.sqrt(sum(v * v for v in vec.values())) or 1.0 for vec in vectors]
    n = len(sentences)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            dot = sum(w * vectors[j].get(t, 0.0) for t, w in vectors[i].items())
            if dot / (norms[i] * norms[j]) >= 0.1:
                neighbours[i].append(j)
                neighbours[j].append(i)
    rank = [1.0 / n] * n
    for _ in range(30):
        share = [rank[j] / len(neighbours[j]) if neighbours[j] else 0.0 for j in range(n)]
        rank = [0.15 / n + 0.85 * sum(share[j] for j in neighbours[i]) for i in range(n)]
    return rank


def lexrank_factory(idf: dict[str, float]) -> Summarizer:
    """Return a LexRank summarizer using corpus document frequencies."""

    def lexrank(title: str, body: str, lang: str, budget: int) -> str | None:
        sentences = candidate_sentences(body, lang, title)
        if not sentences:
            return None
        scores = lexrank_scores(sentences, lang, idf)
        return fit(sentences, sorted(range(len(sentences)), key=lambda i: -scores[i]), budget)

    return lexrank


def ours(title: str, body: str, lang: str, budget: int) -> str | None:
    return summarize(title, body, lang, max_chars=budget)


def ours_title_hidden(title: str, body: str, lang: str, budget: int) -> str | None:
    return summarize("", body, lang, max_chars=budget)


# --- corpora -------------------------------------------------------------------------------


def arabic_corpus(limit: int, seed: int = 13) -> list[tuple[str, str]]:
    """Return (title, body) of sampled SaudiNewsNet articles with at least 3 sentences."""
    articles = list(saudinewsnet())
    random.Random(seed).shuffle(articles)
    out, seen = [], set()
    for article in articles:
        title, body = article["title"].strip(), article["content"]
        if not title or article["url"] in seen:
            continue
        seen.add(article["url"])
        if len(candidate_sentences(body, "ar", title)) >= 3:
            out.append((title, body))
        if len(out) >= limit:
            break
    return out


def turkish_docs(limit: int) -> list[str]:
    """Return TTC-3600 Turkish documents, the same number from each category."""
    by_category: dict[str, list[str]] = {}
    for category, text in ttc3600():
        by_category.setdefault(category, []).append(text)
    per = max(1, limit // max(1, len(by_category)))
    return [text for texts in by_category.values() for text in texts[:per]]


# --- report --------------------------------------------------------------------------------


def evaluate(
    name: str, system: Summarizer, corpus: list[tuple[str, str]], budget: int
) -> tuple[str, float, float, float, float, float, float]:
    """Return mean ROUGE-1/2/L F1, coverage, mean length and ms per article for one system."""
    r1 = r2 = rl = 0.0
    made = chars = 0
    started = time.process_time()
    for title, body in corpus:
        summary = system(title, body, "ar", budget)
        if not summary:
            continue
        made += 1
        chars += len(summary)
        cand, ref = text_terms(summary, "ar"), text_terms(title, "ar")
        r1 += rouge_n(cand, ref, 1)
        r2 += rouge_n(cand, ref, 2)
        rl += rouge_l(cand, ref)
    ms = 1000 * (time.process_time() - started) / len(corpus)
    n = len(corpus)
    return name, r1 / n, r2 / n, rl / n, made / n, chars / max(1, made), ms


def main() -> None:
    """Print ROUGE against the headline for each system and budget, then Turkish checks."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1500)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if (shared_data() / "saudinewsnet").is_dir():
        corpus = arabic_corpus(args.articles)
        df: Counter[str] = Counter()
        for _title, body in corpus:
            df.update(set(text_terms(body, "ar")))
        idf = {t: math.log(len(corpus) / f) for t, f in df.items()}
        systems: list[tuple[str, Summarizer]] = [
            ("lead-k", lead),
            ("LexRank", lexrank_factory(idf)),
            ("ours, title hidden", ours_title_hidden),
            ("ours (reads the title)", ours),
        ]
        print(f"\nArabic, SaudiNewsNet: {len(corpus)} articles, reference = headline")
        print("ROUGE F1 on analyzed terms; an article without a summary scores 0")
        for budget in (400, 250):
            print(f"\nbudget {budget} chars")
            print(f"{'system':<24}{'R-1':>7}{'R-2':>7}{'R-L':>7}{'made':>7}{'chars':>7}{'ms':>7}")
            for name, system in systems:
                row = evaluate(name, system, corpus, budget)
                print(
                    f"{row[0]:<24}" + "".join(f"{v:7.3f}" for v in row[1:5]) + f"{row[5]:7.0f}"
                    f"{row[6]:7.1f}"
                )
    else:
        print("SaudiNewsNet not found under", shared_data(), "- Arabic skipped")

    if (shared_data() / "ttc3600").is_dir():
        docs = turkish_docs(600)
        made = ended = chars = 0
        started = time.process_time()
        for doc in docs:
            summary = summarize("", doc, "tr")
            if summary:
                made += 1
                chars += len(summary)
                ended += bool(SENTENCE_END.search(summary))
        ms = 1000 * (time.process_time() - started) / len(docs)
        print(f"\nTurkish, TTC-3600: {len(docs)} documents (no reference summaries: no ROUGE)")
        print(
            f"summary made {made / len(docs):.3f}, ends with sentence punctuation "
            f"{ended / max(1, made):.3f}, mean {chars / max(1, made):.0f} chars, {ms:.1f} ms each"
        )
    else:
        print("TTC-3600 not found - Turkish skipped")

    big = "جملة طويلة في نص كبير جدا عن الأخبار. " * 5000 + "\n" + "word " * 20000
    started = time.process_time()
    summarize("عنوان", big, "ar")
    print(f"\n{len(big):,}-char body: {1000 * (time.process_time() - started):.0f} ms")
    print("English: no English corpus in the shared data; not measured.")


if __name__ == "__main__":
    main()
