"""CoNLL-style scoring of IOB tag sequences: exact span and type."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

DEV_FRACTION = 0.1


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


def split(sents: list) -> tuple[list, list]:
    """Return (train, dev): the last 10% of sentences are held back for evaluation."""
    cut = int(len(sents) * (1 - DEV_FRACTION))
    return sents[:cut], sents[cut:]


def iob_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Return (start, end, type) token spans of an IOB sequence; a stray I- opens a span."""
    spans = []
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
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
