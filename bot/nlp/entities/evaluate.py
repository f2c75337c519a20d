"""CoNLL-style scoring of IOB tag sequences: exact span and type."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

DEV_FRACTION = 0.1
# ANERcorp has no document boundaries: runs of BLOCK sentences stand in for articles.
BLOCK = 50
SPLITS = ("blocks", "last")


def read_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    """Return (words, tags) sentences of a `token TAG` file with blank lines between them."""
    sents, words, tags = [], [], []
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        parts = line.split()
        if len(parts) < 2:
            if words:
                sents.append((words, tags))
                words, tags = [], []
            continue
        tag = parts[-1]
        if tag != "O" and not tag.startswith(("B-", "I-")):
            tag = "O"  # one malformed line ("Oالإصابة") in ANERcorp
        words.append(" ".join(parts[:-1]))
        tags.append(tag)
    if words:
        sents.append((words, tags))
    return sents


def held_out(n: int, how: str) -> list[int]:
    """Return the indices of the held-out sentences among `n` under split `how`.

    "last": the last 10%, as first used here (mostly sport and car news: domain-skewed).
    "blocks": every tenth run of BLOCK sentences (the fifth of each ten), which spreads the
    held-out part over the whole corpus, as is usual when ANERcorp is split at random.
    """
    if how == "last":
        return list(range(int(n * (1 - DEV_FRACTION)), n))
    if how == "blocks":
        return [i for i in range(n) if (i // BLOCK) % 10 == 4]
    raise ValueError(f"unknown split {how!r}")


def split(sents: list, how: str = "blocks") -> tuple[list, list]:
    """Return (train, held-out) sentences under split `how` (see `held_out`)."""
    held = set(held_out(len(sents), how))
    return (
        [s for i, s in enumerate(sents) if i not in held],
        [s for i, s in enumerate(sents) if i in held],
    )


def training_part(sents: list) -> list:
    """Return the sentences in no held-out split: what the committed models are trained on."""
    held = {i for how in SPLITS for i in held_out(len(sents), how)}
    return [s for i, s in enumerate(sents) if i not in held]


def tuning_split(sents: list) -> tuple[list, list]:
    """Return (train, dev) for tuning: two blocks in ten of the training part."""
    dev = {i for i in range(len(sents)) if (i // BLOCK) % 10 in (1, 7)}
    return (
        [s for i, s in enumerate(sents) if i not in dev],
        [s for i, s in enumerate(sents) if i in dev],
    )


def iob_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Return (start, end, type) token spans of an IOB sequence; a stray I- opens a span."""
    spans = []
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        if tag == "O":  # most tags: close the open span, if any
            if start >= 0:
                spans.append((start, i, kind))
                start = -1
            continue
        prefix, _, label = tag.partition("-")
        if start >= 0 and (prefix != "I" or label != kind):
            spans.append((start, i, kind))
            start = -1
        if prefix == "B" or (prefix == "I" and start < 0):
            start, kind = i, label
    return spans


def score(gold: list[list[str]], pred: list[list[str]]) -> dict[str, dict[str, float]]:
    """Return precision, recall, F1 and support per type and "all" over paired sentences."""
    tp: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    for g_tags, p_tags in zip(gold, pred, strict=True):
        g, p = set(iob_spans(g_tags)), set(iob_spans(p_tags))
        for span in g:
            n_gold[span[2]] += 1
            n_gold["all"] += 1
        for span in p:
            n_pred[span[2]] += 1
            n_pred["all"] += 1
        for span in g & p:
            tp[span[2]] += 1
            tp["all"] += 1
    out = {}
    for kind in sorted(set(n_gold) | set(n_pred)):
        prec = tp[kind] / n_pred[kind] if n_pred[kind] else 0.0
        rec = tp[kind] / n_gold[kind] if n_gold[kind] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[kind] = {"p": prec, "r": rec, "f1": f1, "n": n_gold[kind]}
    return out
