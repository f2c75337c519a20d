"""Group articles about the same event: MinHash signatures, LSH bands, entities and time.

The signature is a one-permutation MinHash (Li, Owen & Zhang 2012) with rotation densification
(Shrivastava & Li 2014): each word 3-shingle is hashed once with a stable 64-bit hash, its low
bits pick one of `NUM_BINS` bins and the bin keeps its smallest value. Compared with 64 separate
permutations this costs one hash per shingle, so pure Python signs 10,000 articles in seconds,
and the values are stable across processes and machines, so the store can persist them.
"""

from __future__ import annotations

import functools
import hashlib
import math
import operator
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from bot.nlp.summarize import text_terms

NUM_BINS = 64
SHINGLE = 3
BAND_ROWS = 2  # 32 bands of 2 rows: a pair at Jaccard 0.2 shares a band 3 times in 4
_VALUE_BITS = 56
_VALUE_MASK = (1 << _VALUE_BITS) - 1
_EMPTY = -1

# Thresholds, measured on benchmarks/data/story_pairs.tsv (see benchmarks/bench_stories.py).
WINDOW = timedelta(hours=48)
STORY_SPAN = timedelta(hours=72)  # a story stops taking articles this long after its first
# A newcomer must also resemble the story's first article this much (same language): without
# it, templated items ("the King receives ...") chain into one story, one look-alike at a time.
SEED_TEXT = 0.15
SAME_TEXT = 0.20  # shingle similarity that alone makes two articles one story
TEXT_WITH_ENTITIES = 0.15  # a weaker text match joined by shared entities
MIN_SHARED_ENTITIES = 2
ENTITY_JACCARD = 0.5
# Across languages the text cannot be compared: only strong entity overlap in a tighter window.
STRONG_ENTITIES = 3
STRONG_ENTITY_JACCARD = 0.6
ENTITY_WINDOW = timedelta(hours=24)
# Candidate buckets keep only their newest members: a band or entity shared by hundreds of
# articles (a weekly column, "Saudi Arabia") would otherwise make grouping quadratic.
BUCKET_LIMIT = 64


@dataclass
class StoryFeatures:
    """What the grouper needs to know about one article."""

    signature: list[int]
    entities: set[str] = field(default_factory=set)
    published_at: datetime | None = None
    language: str | None = None


def shingles(terms: Sequence[str], k: int = SHINGLE) -> set[str]:
    """Return the word k-shingles of `terms` (the whole list when it is shorter than k)."""
    if len(terms) < k:
        return {" ".join(terms)} if terms else set()
    if k == 3:  # the usual case, without slicing each shingle
        return set(map(" ".join, zip(terms, terms[1:], terms[2:], strict=False)))
    return {" ".join(terms[i : i + k]) for i in range(len(terms) - k + 1)}


def signature(terms: Sequence[str], bins: int = NUM_BINS) -> list[int]:
    """Return the MinHash signature of the term list (empty for no terms)."""
    return signatures([terms], bins)[0]


def signatures(term_lists: Sequence[Sequence[str]], bins: int = NUM_BINS) -> list[list[int]]:
    """Return the `signature` of each term list, hashed and sorted together: numpy's cost is
    per call, and a feed item has only about fifty shingles."""
    if bins > 1 << (64 - _VALUE_BITS):
        raise ValueError(f"at most {1 << (64 - _VALUE_BITS)} bins")
    found = [shingles(terms) for terms in term_lists]
    out: list[list[int]] = [[] for _ in found]
    if not any(found):
        return out
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(s.encode(), digest_size=8).digest() for f in found for s in f])
    hashes = np.frombuffer(digests, dtype="<u8")
    owner = np.repeat(np.arange(len(found), dtype=np.uint64), [len(f) for f in found])
    slots = owner * np.uint64(bins) + hashes % np.uint64(bins)  # one bin of one list
    values = (hashes >> np.uint64(8)) & np.uint64(_VALUE_MASK)
    # Sort on (slot, value): the first entry of each slot is its bin's minimum.
    order = np.lexsort((values, slots))
    slots, values = slots[order], values[order]
    first = np.flatnonzero(np.concatenate(([True], slots[1:] != slots[:-1])))
    mins = np.full(len(found) * bins, _EMPTY, dtype=np.int64)
    mins[slots[first].astype(np.int64)] = values[first].astype(np.int64)
    for k, row in enumerate(mins.reshape(len(found), bins).tolist()):
        if found[k]:
            out[k] = _densify(row)
    return out


def _densify(mins: list[int]) -> list[int]:
    """Fill empty bins from the next filled bin, tagged with the distance so fills differ."""
    bins = len(mins)
    out = list(mins)
    for i, value in enumerate(mins):
        if value != _EMPTY:
            continue
        for step in range(1, bins):
            borrowed = mins[(i + step) % bins]
            if borrowed != _EMPTY:
                out[i] = borrowed + (step << _VALUE_BITS)
                break
    return out


def article_terms(title: str, body: str, lang: str | None) -> list[str]:
    """Return the terms an article's signature is made of: its analyzed title and body."""
    return text_terms(f"{title}\n{body}", lang)


def article_signature(title: str, body: str, lang: str | None) -> list[int]:
    """Return the signature of an article's analyzed title and body."""
    return signature(article_terms(title, body, lang))


_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))
_MULTIPLIERS = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _mix(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer, in place: a bijection of 64-bit words that scatters every bit."""
    values ^= values >> _SHIFTS[0]
    values *= _MULTIPLIERS[0]
    values ^= values >> _SHIFTS[1]
    values *= _MULTIPLIERS[1]
    values ^= values >> _SHIFTS[2]
    return values


@functools.cache
def _band_seeds(count: int) -> np.ndarray:
    """A distinct starting word for each band number, so that equal values in two bands differ."""
    return _mix(np.arange(count, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15))


def bands(sig: Sequence[int], rows: int = BAND_ROWS) -> list[int]:
    """Return the LSH band keys of a signature (signed 64-bit), for looking up candidate articles.

    A key hashes the band's number and its `rows` values: equal bands give equal keys, and
    different ones collide about once in 2**64, as the 64-bit blake2b keys of text did.
    """
    return bands_many([sig], rows)[0]


def bands_many(sigs: Sequence[Sequence[int]], rows: int = BAND_ROWS) -> list[list[int]]:
    """Return the `bands` of each signature, signatures of one length hashed together."""
    out: list[list[int]] = [[] for _ in sigs]
    by_count: dict[int, list[int]] = defaultdict(list)
    for k, sig in enumerate(sigs):
        by_count[len(sig) // rows].append(k)
    for count, which in by_count.items():
        if count == 0:
            continue
        values = np.array([sigs[k][: count * rows] for k in which], dtype=np.int64).view(np.uint64)
        keys = np.tile(_band_seeds(count), (len(which), 1))
        for row in range(rows):
            keys ^= values[:, row::rows]
            _mix(keys)
        for k, found in zip(which, keys.view(np.int64).tolist(), strict=True):
            out[k] = found
    return out


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimate the shingle Jaccard similarity of two signatures (0.0 when either is empty)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(map(operator.eq, a, b)) / len(a)


def same_story(a: StoryFeatures, b: StoryFeatures, window: timedelta = WINDOW) -> bool:
    """Tell whether two articles report the same event.

    Within the time window, articles in one language join on near-duplicate text, or on
    related text with shared entities; articles in different languages join only on strong
    entity overlap within a tighter window. Entities alone never join articles in one
    language: on the labelled pairs, follow-ups (the second and third relief flight to Aden)
    share as many entities as copies of one report do.
    """
    gap = _gap(a, b)
    if gap is not None and gap > window:
        return False
    shared = len(a.entities & b.entities)
    overlap = shared / len(a.entities | b.entities) if shared else 0.0
    if a.language and b.language and a.language != b.language:
        return (
            shared >= STRONG_ENTITIES
            and overlap >= STRONG_ENTITY_JACCARD
            and (gap is None or gap <= ENTITY_WINDOW)
        )
    text = similarity(a.signature, b.signature)
    if text >= SAME_TEXT:
        return True
    return (
        text >= TEXT_WITH_ENTITIES and shared >= MIN_SHARED_ENTITIES and overlap >= ENTITY_JACCARD
    )


def _gap(a: StoryFeatures, b: StoryFeatures) -> timedelta | None:
    """Return the time between two articles, or None when a date is unknown."""
    if a.published_at is None or b.published_at is None:
        return None
    return abs(a.published_at - b.published_at)


class StoryGrouper:
    """Assign articles to stories in memory, one article at a time.

    Each article joins the story of its most similar earlier article that `same_story`
    accepts, found through shared LSH bands (same language) or entities (other languages),
    while the story is younger than `span`. Stories are never merged, so a story id, once
    given, stays (the store can persist it). The story id is the first article's id.
    """

    def __init__(
        self,
        window: timedelta = WINDOW,
        span: timedelta = STORY_SPAN,
        bucket_limit: int = BUCKET_LIMIT,
    ) -> None:
        self.window = window
        self.span = span
        self.features: dict[str, StoryFeatures] = {}
        self.story_of: dict[str, str] = {}
        self._seed: dict[str, StoryFeatures] = {}
        self._buckets: dict[str, deque[str]] = defaultdict(lambda: deque(maxlen=bucket_limit))

    def add(self, article_id: str, features: StoryFeatures) -> str:
        """Record an article and return the id of the story it belongs to."""
        if article_id in self.story_of:
            return self.story_of[article_id]
        band_keys = [f"b{key}" for key in bands(features.signature)]
        entity_keys = [f"e{entity}" for entity in sorted(features.entities)]
        best_id, best_score = None, -1.0
        seen: set[str] = set()
        for key in band_keys + entity_keys:
            for other_id in self._buckets.get(key, ()):
                if other_id in seen:
                    continue
                seen.add(other_id)
                other = self.features[other_id]
                if key[0] == "e" and _same_language(features, other):
                    continue  # one language is compared by text, found through the bands
                if not self._open(self.story_of[other_id], features) or not same_story(
                    features, other, self.window
                ):
                    continue
                score = similarity(features.signature, other.signature) + 0.01 * len(
                    features.entities & other.entities
                )
                if score > best_score:
                    best_id, best_score = other_id, score
        story = self.story_of[best_id] if best_id is not None else article_id
        if best_id is None:
            self._seed[story] = features
        self.features[article_id] = features
        self.story_of[article_id] = story
        for key in band_keys + entity_keys:
            self._buckets[key].append(article_id)
        return story

    def _open(self, story: str, features: StoryFeatures) -> bool:
        """Tell whether a story is young enough and close enough to take this article."""
        seed = self._seed[story]
        if seed.published_at and features.published_at:
            if abs(features.published_at - seed.published_at) > self.span:
                return False
        if not _same_language(seed, features):
            return True
        return similarity(seed.signature, features.signature) >= SEED_TEXT

    def stories(self) -> dict[str, list[str]]:
        """Return each story id with its article ids, in the order they were added."""
        groups: dict[str, list[str]] = defaultdict(list)
        for article_id, story in self.story_of.items():
            groups[story].append(article_id)
        return dict(groups)


def _same_language(a: StoryFeatures, b: StoryFeatures) -> bool:
    """Tell whether two articles are (as far as known) in one language."""
    return not a.language or not b.language or a.language == b.language


def central_index(signatures: Sequence[Sequence[int]]) -> int:
    """Return the index of the article most similar to the others (the story's headline)."""
    if not signatures:
        raise ValueError("central_index needs at least one signature")
    sample = signatures[:50]  # a big story's headline need not weigh every copy
    width = len(sample[0])
    if width and width & (width - 1) == 0 and all(len(sig) == width for sig in sample):
        # The same sums as below, counted in whole bins: each similarity is bins/width, exact
        # in binary floating point for a power of two, so the float sums order exactly as these
        # integers do; argmax keeps the first best, as the loop does.
        values = np.array(sample, dtype=np.int64)
        agree = (values[:, None, :] == values[None, :, :]).sum(axis=2)
        return int(np.argmax(agree.sum(axis=1) - width))
    best, best_score = 0, -1.0
    for i, sig in enumerate(sample):
        score = sum(similarity(sig, other) for j, other in enumerate(sample) if j != i)
        if score > best_score:
            best, best_score = i, score
    return best


def story_summary(
    articles_sentences: Iterable[Sequence[str]],
    lang: str | None = None,
    max_chars: int = 400,
    redundant: float = 0.5,
) -> str:
    """Join sentences from several articles, taking them in turn and skipping near-repeats.

    `articles_sentences` holds each article's summary sentences, best article first; a
    sentence whose terms overlap an already chosen one by `redundant` (Jaccard) or more is
    skipped, as is one that no longer fits `max_chars`.
    """
    queues = [list(sentences) for sentences in articles_sentences]
    chosen: list[str] = []
    chosen_terms: list[frozenset[str]] = []
    used = 0
    depth = 0
    while any(depth < len(q) for q in queues):
        for queue in queues:
            if depth >= len(queue):
                continue
            sentence = " ".join(queue[depth].split())
            terms = _sentence_terms(sentence, lang)
            extra = len(sentence) + (1 if chosen else 0)
            if not sentence or used + extra > max_chars:
                continue
            if any(_jaccard(terms, other) >= redundant for other in chosen_terms):
                continue
            if not terms and sentence in chosen:
                continue
            chosen.append(sentence)
            chosen_terms.append(terms)
            used += extra
        depth += 1
    return " ".join(chosen)


@functools.lru_cache(maxsize=4096)
def _sentence_terms(sentence: str, lang: str | None) -> frozenset[str]:
    """A sentence's terms: a story's summary re-reads the same sentences at every new article."""
    return frozenset(text_terms(sentence, lang))


def importance(n_sources: int, newest: datetime, now: datetime, n_entities: int = 0) -> float:
    """Rank a story: more sources and entities raise it, age halves it every 12 hours."""
    age_hours = max(0.0, (now - newest).total_seconds() / 3600)
    breadth = 1.0 + math.log(max(1, n_sources))
    named = 1.0 + 0.1 * min(max(0, n_entities), 5)
    return breadth * named * 0.5 ** (age_hours / 12)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Return the Jaccard overlap of two term sets."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
