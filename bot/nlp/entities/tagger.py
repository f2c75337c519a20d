"""The Arabic CRF tagger: two passes, the second seeing what the first found in the article."""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

import pycrfsuite

from bot.nlp.entities import features

MODELS = Path(__file__).resolve().parents[1] / "models"
BASE_MODEL = MODELS / "ner_ar_base.crfsuite"
MODEL = MODELS / "ner_ar.crfsuite"

# Tagger types -> Mention types.
TYPES = {"PERS": "person", "ORG": "organization", "LOC": "place", "MISC": "other"}


class ArabicTagger:
    """Tag sentences of one document with IOB tags (B-PERS, I-ORG, ...)."""

    def __init__(self, base: Path = BASE_MODEL, model: Path = MODEL) -> None:
        self._paths = (base, model)
        if not base.exists():
            raise FileNotFoundError(base)
        # crfsuite taggers are not safe to share between threads: one pair per thread.
        self._local = threading.local()
        self._known: set[str] | None = None
        self._cache: dict[str, tuple[list[str], list[list[str]], str]] = {}

    def _word(self, word: str) -> tuple[list[str], list[list[str]], str]:
        """Return a word's features without those the base model never saw (cached)."""
        found = self._cache.get(word)
        if found is None:
            own, near, key = features.word_features(word)
            known = self._known or set()
            found = (
                [f for f in own if f in known],
                [[f for f in n if f in known] for n in near],
                key,
            )
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[word] = found
        return found

    def _taggers(self) -> tuple[pycrfsuite.Tagger, pycrfsuite.Tagger | None]:
        pair = getattr(self._local, "pair", None)
        if pair is None:
            base = pycrfsuite.Tagger()
            base.open(str(self._paths[0]))
            second = None
            if self._paths[1].exists():
                second = pycrfsuite.Tagger()
                second.open(str(self._paths[1]))
            pair = self._local.pair = (base, second)
            if self._known is None:
                known = set(base.info().attributes)
                if second is not None:
                    known |= set(second.info().attributes)
                self._known = known
        return pair

    def tag(self, sentences: list[list[str]]) -> list[list[str]]:
        """Return one tag per word of each sentence; the sentences form one document."""
        base, second = self._taggers()
        xs = [features.sentence_features(words, self._word) for words in sentences]
        first = [base.tag(x) if x else [] for x in xs]
        if second is None:
            return first
        labels: dict[str, set[str]] = {}
        for words, tags in zip(sentences, first, strict=True):
            for key, kind in features.span_words(words, tags):
                labels.setdefault(key, set()).add(kind)
        out = []
        for x, words, tags in zip(xs, sentences, first, strict=True):
            # A sentence with no word the first pass marked elsewhere gets no document
            # features; its first-pass tags stand (this halves the cost on most articles).
            if x and features.has_doc_labels(words, labels):
                tags = second.tag(features.add_doc_features(x, words, labels))
            out.append(tags)
        return out


@cache
def default_tagger() -> ArabicTagger:
    """Return the tagger of the committed models (loaded once)."""
    return ArabicTagger()
