"""Learn Arabic word clusters from unlabelled news, for the NER tagger's features.

Run (gensim and numpy are needed here only, never at run time):
    pip install gensim==4.4.0   # in any virtualenv that also has the bot's dependencies
    python scripts/train_word_clusters.py [--data DIR] [--words 100000]

Reads SaudiNewsNet (../shared/data/saudinewsnet/*.zip, CC BY-NC-SA 4.0, research only), folds
and tokenizes it as the tagger does, trains skip-gram word vectors and groups them with
spherical k-means at three nested granularities (1024 clusters, grouped into 128, into 16).
Writes bot/nlp/data/ner_clusters.tsv: folded word<TAB>coarse.mid.fine cluster ids.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
from gensim.models import Word2Vec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlp.entities.features import CLUSTERS  # noqa: E402
from bot.nlp.entities.tokens import tokenize  # noqa: E402

LEVELS = (1024, 128, 16)  # fine clusters, then groups of their centroids
SEED = 7


def shared_data() -> Path:
    """Return the shared development data folder (env MOJAZ_SHARED_DATA overrides)."""
    env = os.environ.get("MOJAZ_SHARED_DATA")
    return Path(env) if env else ROOT / ".." / "shared" / "data"


def sentences(folder: Path) -> list[list[str]]:
    """Return the folded tokens of every line of every SaudiNewsNet article."""
    out = []
    for path in sorted(folder.glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                for item in json.loads(archive.read(name)):
                    text = f"{item.get('title') or ''}\n{item.get('content') or ''}"
                    for line in text.splitlines():
                        keys = [t.key for t in tokenize(line)]
                        if len(keys) > 1:
                            out.append(keys)
    return out


def kmeans(x: np.ndarray, k: int, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (assignment, unit centroids) of spherical k-means over unit rows of `x`."""
    rng = np.random.default_rng(SEED)
    centroids = x[rng.choice(len(x), size=k, replace=False)].copy()
    assign = np.zeros(len(x), dtype=np.int64)
    for _ in range(iterations):
        for lo in range(0, len(x), 20_000):  # chunks keep the similarity matrix small
            assign[lo : lo + 20_000] = np.argmax(x[lo : lo + 20_000] @ centroids.T, axis=1)
        sums = np.zeros_like(centroids)
        np.add.at(sums, assign, x)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        # An empty cluster restarts at a random word rather than vanishing.
        sums[empty] = x[rng.choice(len(x), size=int(empty.sum()), replace=False)]
        norms[empty] = 1.0
        centroids = sums / norms
    return assign, centroids


def main() -> None:
    """Train vectors, cluster the most frequent words, write the word -> cluster table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=shared_data())
    ap.add_argument("--words", type=int, default=100_000, help="keep this many frequent words")
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=CLUSTERS)
    args = ap.parse_args()
    started = time.perf_counter()
    sents = sentences(args.data / "saudinewsnet")
    counts = Counter(w for s in sents for w in s)
    print(f"{len(sents)} lines, {sum(counts.values())} tokens, {len(counts)} distinct words")
    model = Word2Vec(
        sents,
        vector_size=args.dim,
        window=args.window,
        min_count=args.min_count,
        sg=1,
        negative=5,
        sample=1e-4,
        epochs=args.epochs,
        workers=args.workers,
        seed=SEED,
    )
    print(f"vectors: {len(model.wv)} words in {time.perf_counter() - started:.0f}s")
    words = [w for w, _ in counts.most_common() if w in model.wv][: args.words]
    x = np.stack([model.wv[w] for w in words]).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-9
    ids = []
    points = x
    for k in LEVELS:
        assign, points = kmeans(points, k, iterations=15)
        # Map every word through the chain: word -> fine -> mid -> coarse.
        ids.append(assign if not ids else assign[ids[-1]])
    lines = [
        "# Word clusters learnt from SaudiNewsNet (CC BY-NC-SA 4.0, research only) by",
        "# scripts/train_word_clusters.py: skip-gram vectors, nested spherical k-means.",
        f"# folded word<TAB>cluster ids at {LEVELS[2]}.{LEVELS[1]}.{LEVELS[0]} granularity.",
    ]
    lines += [f"{w}\t{ids[2][i]}.{ids[1][i]}.{ids[0][i]}" for i, w in enumerate(words)]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(
        f"wrote {len(words)} words to {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) "
        f"in {time.perf_counter() - started:.0f}s"
    )


if __name__ == "__main__":
    main()
