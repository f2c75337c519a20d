"""The Arabic CRF tagger: two passes, the second seeing what the first found in the article.

Tagging does not build feature strings per token: every feature is a function of one word,
of two adjacent words (bg=) or of the document labels (d=), so each word's weight vectors
(its own, and as seen from each neighbour) are summed once and kept in a table, and a
sentence's scores are a few numpy gathers; crf.viterbi decodes all sentences together.
pycrfsuite stays the reference (`tag_crfsuite`) and decides the rare near-ties.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from pathlib import Path

import numpy as np
import pycrfsuite

from bot.nlp.entities import features
from bot.nlp.entities.crf import CrfModel, viterbi
from bot.nlp.entities.tokens import fold_token

MODELS = Path(__file__).resolve().parents[1] / "models"
BASE_MODEL = MODELS / "ner_ar_base.crfsuite"
MODEL = MODELS / "ner_ar.crfsuite"

# Tagger types -> Mention types.
TYPES = {"PERS": "person", "ORG": "organization", "LOC": "place", "MISC": "other"}

# Rows of the word table: 4096 words to start, doubled as needed up to MAX_WORDS, then a fresh
# table that copies rows from the full one as its words come back. A word costs 720 bytes
# (2 models x 5 vectors x 9 labels x 8 bytes): 94 MB per full table, 188 MB for the two once
# the first has filled (rows are zero pages until written); the feature-string caches this
# replaces held several KB per word, for up to 200,000 words. News vocabulary outgrows 65,536
# words within about 10,000 feed items: with tables that size, 40 % of the words whose
# features were computed had been computed before and dropped, and the copying after each
# fresh start cost as much again (bench_ingest: 4 % of a feed item's time).
FIRST_WORDS = 4096
MAX_WORDS = 131072
_PAD = 2  # zero rows between sentences: context features never cross a sentence boundary
_DOC = ("d=", "-1d=", "1d=")  # features.add_doc_features: own word, previous, next


@dataclass(frozen=True)
class _Model:
    """One CRF with what tagging needs beside its weights: bigram and document-label tables."""

    crf: CrfModel
    bos: np.ndarray
    eos: np.ndarray
    bigram_keys: dict[str, int]  # word key -> id, for the keys some bg= attribute pairs
    bigram_codes: np.ndarray  # sorted id(prev) * len(bigram_keys) + id(next)
    bigram_rows: np.ndarray  # the state row of each code
    doc: list[np.ndarray]  # per _DOC prefix: (2**kinds, labels) summed over a kind bit mask

    @classmethod
    @cache  # read-only once built: taggers of the same files share it
    def load(cls, path: Path, kinds: tuple[str, ...]) -> _Model:
        """Read a model and tabulate its bigram and document-label attributes."""
        crf = CrfModel.load(path)
        pairs: dict[tuple[str, str], int] = {}
        for name, row in crf.attributes.items():
            if name.startswith("bg="):
                rest = name[3:]
                # Keys may hold "|" themselves: keep every split; only the true one can match.
                for cut, char in enumerate(rest):
                    if char == "|" and 0 < cut < len(rest) - 1:
                        pairs[rest[:cut], rest[cut + 1 :]] = row
        keys = {k: i for i, k in enumerate(sorted({k for pair in pairs for k in pair}))}
        codes = np.array([keys[a] * len(keys) + keys[b] for a, b in pairs], dtype=np.int64)
        rows = np.array(list(pairs.values()), dtype=np.intp)
        order = np.argsort(codes)
        doc = []
        for prefix in _DOC:
            table = np.zeros((2 ** len(kinds), len(crf.labels)))
            for mask in range(1, 2 ** len(kinds)):
                # add_doc_features adds a word's kinds in sorted order.
                names = [prefix + k for bit, k in enumerate(kinds) if mask >> bit & 1]
                table[mask] = crf.sums([names])[0]
            doc.append(table)
        state = crf.state
        return cls(
            crf=crf,
            bos=state[crf.rows(["BOS"])[0]],
            eos=state[crf.rows(["EOS"])[0]],
            bigram_keys=keys,
            bigram_codes=codes[order],
            bigram_rows=rows[order],
            doc=doc,
        )

    def scores(self, ids: np.ndarray, rows: np.ndarray, bigram: np.ndarray) -> np.ndarray:
        """Return the state score of each position of `ids`: sentences of word rows with two
        padding words (row 0) before, between and after them, as ArabicTagger._decode lays out.
        """
        take, add = np.take, np.add  # take: a few times faster than fancy indexing here
        out = take(rows[0], ids, axis=0)
        # The word two before is seen with prefix -2, the one before with -1, and so on.
        add(out[2:], take(rows[1], ids[:-2], axis=0), out=out[2:])
        add(out[1:], take(rows[2], ids[:-1], axis=0), out=out[1:])
        add(out[:-1], take(rows[3], ids[1:], axis=0), out=out[:-1])
        add(out[:-2], take(rows[4], ids[2:], axis=0), out=out[:-2])
        key = take(bigram, ids)
        prev, nxt = key[:-1], key[1:]
        both = np.flatnonzero((prev >= 0) & (nxt >= 0))
        if len(both) and len(self.bigram_codes):
            code = prev[both] * len(self.bigram_keys) + nxt[both]
            at = np.searchsorted(self.bigram_codes, code).clip(0, len(self.bigram_codes) - 1)
            hit = self.bigram_codes[at] == code
            out[both[hit] + 1] += self.crf.state[self.bigram_rows[at[hit]]]
        return out


@dataclass(frozen=True)
class _Union:
    """The attributes of all models in one table: one lookup per feature string serves all."""

    rows: dict[str, int]  # attribute name -> row of `state`
    near: dict[str, tuple[int, ...]]  # context feature f -> rows of "-2f", "-1f", "1f", "2f"
    state: np.ndarray  # (attributes + 1, models, labels); the last row is zeros

    @property
    def unknown(self) -> int:
        """Return the zero row, where names no model knows point."""
        return len(self.rows)

    @classmethod
    def of(cls, models: list[_Model]) -> _Union:
        """Return the union of the models' attributes."""
        names = list(dict.fromkeys(n for m in models for n in m.crf.attributes))
        rows = {n: i for i, n in enumerate(names)}
        state = np.zeros((len(names) + 1, len(models), len(models[0].crf.labels)))
        for m, model in enumerate(models):
            state[:-1, m] = model.crf.state[model.crf.rows(names)]
        near: dict[str, list[int]] = {}
        prefixes = [str(off) for off in features.OFFSETS]  # no prefix starts another one
        for name, row in rows.items():
            for slot, prefix in enumerate(prefixes):
                if name.startswith(prefix):
                    unknown = [len(names)] * len(prefixes)
                    near.setdefault(name[len(prefix) :], unknown)[slot] = row
        return cls(rows, {f: tuple(r) for f, r in near.items()}, state)


class _Words:
    """Each word's weight vectors under each model; row 0 is the zero padding word.

    rows[m] is (5, size, labels): the word's own features with bias, then its context
    features as seen from the token 2 after, 1 after, 1 before and 2 before it
    (features.OFFSETS -2, -1, 1, 2). Rows only ever get added: a reader holding the arrays
    keeps valid rows for its ids while another thread adds words or grows the table.
    """

    def __init__(
        self, models: list[_Model], union: _Union, size: int, previous: _Words | None
    ) -> None:
        self.models = models
        self._union = union
        self.index: dict[str, int] = {}
        # Folded form -> row: a word's features are those of its folded form (features.
        # word_parts), so spellings that fold alike (أعلن, اعلن) share one row.
        self._by_key: dict[str, int] = {}
        self.label_keys: list[str | None] = [None]
        n_labels = len(models[0].crf.labels)
        self.rows = [np.zeros((5, size, n_labels)) for _ in models]
        self.bigram = [np.full(size, -1, dtype=np.int64) for _ in models]
        # The table this one replaced: its words are copied over rather than recomputed.
        self._previous = previous
        self._pending: list[tuple[int, str]] = []  # new words: (row, word)
        self._copies: list[tuple[int, int]] = []  # words of the previous table: (row, its row)

    @property
    def size(self) -> int:
        """Return how many words fit before the arrays must grow."""
        return self.rows[0].shape[1]

    def ids(self, words: list[str]) -> list[int]:
        """Return the row of each word, adding the words not seen yet (call under the lock).

        Call `fill` before reading the rows of new words.
        """
        found = list(map(self.index.get, words))
        if None in found:
            found = [self.index.get(w) or self._add(w) for w in words]
        return found  # type: ignore[return-value]

    def _add(self, word: str) -> int:
        key = fold_token(word)
        if key and (row := self._by_key.get(key)) is not None:
            self.index[word] = row
            return row
        row = len(self.label_keys)
        if row == self.size:
            self.rows = [np.concatenate([r, np.zeros_like(r)], axis=1) for r in self.rows]
            self.bigram = [np.concatenate([b, np.full_like(b, -1)]) for b in self.bigram]
        self.index[word] = row
        if key:
            self._by_key[key] = row
        old = self._previous
        if old is not None and (was := old.index.get(word)) is not None:
            self.label_keys.append(old.label_keys[was])
            self._copies.append((row, was))
        else:
            self.label_keys.append(features.label_key(word))
            self._pending.append((row, word))
        return row

    def fill(self) -> None:
        """Set the rows of the words added since the last call, all at once."""
        if self._copies and self._previous is not None:
            to, was = (list(c) for c in zip(*self._copies, strict=True))
            for m in range(len(self.models)):
                self.rows[m][:, to] = self._previous.rows[m][:, was]
                self.bigram[m][to] = self._previous.bigram[m][was]
        self._copies = []
        if not self._pending:
            return
        parts = [(row, *features.word_parts(word)) for row, word in self._pending]
        added = [row for row, _, _ in parts]
        self._pending = []
        union = self._union
        get, near, unknown = union.rows.get, union.near.get, union.unknown
        zero = repeat(unknown)
        index: list[int] = []
        starts: list[int] = []
        for _, own, ctx in parts:
            # Five groups per word, each led by the zero row so that none is empty.
            starts.append(len(index))
            index += (unknown, get("bias", unknown), *map(get, own, zero), *map(get, ctx, zero))
            seen = [n for n in map(near, ctx) if n is not None]
            for column in zip(*seen, strict=True) if seen else [()] * len(features.OFFSETS):
                starts.append(len(index))
                index.append(unknown)
                index += column
        sums = np.add.reduceat(union.state.take(index, axis=0), starts, axis=0)
        sums = sums.reshape(len(added), 5, len(self.models), -1)
        for m, model in enumerate(self.models):
            self.rows[m][:, added] = sums[:, :, m].transpose(1, 0, 2)
            self.bigram[m][added] = [model.bigram_keys.get(ctx[0], -1) for _, _, ctx in parts]


class ArabicTagger:
    """Tag sentences of one document with IOB tags (B-PERS, I-ORG, ...)."""

    def __init__(self, base: Path = BASE_MODEL, model: Path = MODEL) -> None:
        self._paths = (base, model)
        if not base.exists():
            raise FileNotFoundError(base)
        self._lock = threading.Lock()
        self._models: list[_Model] | None = None
        self._kinds: tuple[str, ...] = ()
        self._words: _Words | None = None
        self._union: _Union | None = None
        # crfsuite taggers are not safe to share between threads: one pair per thread.
        self._local = threading.local()
        self._known: set[str] | None = None
        self._cache: dict[str, tuple[list[str], list[list[str]], str]] = {}

    def tag(self, sentences: list[list[str]]) -> list[list[str]]:
        """Return one tag per word of each sentence; the sentences form one document."""
        return self.tag_documents([sentences])[0]

    def tag_documents(self, documents: list[list[list[str]]]) -> list[list[list[str]]]:
        """Return `tag` of each document, decoding all their sentences together.

        numpy's cost is per step along the longest sentence, not per sentence: a batch of
        articles costs little more than one.
        """
        sentences = [s for doc in documents for s in doc]
        owner = [d for d, doc in enumerate(documents) for _ in doc]
        with self._lock:
            words = self._table(sum(map(len, sentences)))
            ids = [words.ids(s) for s in sentences]
            words.fill()
            rows, bigram, label_keys = list(words.rows), list(words.bigram), words.label_keys
        models = words.models
        out = self._decode(models[0], rows[0], bigram[0], ids, None)
        for k in out.unsure:
            crfsuite = self._taggers()[0]  # first: it sets what self._word keeps
            out.tags[k] = crfsuite.tag(features.sentence_features(sentences[k], self._word))
        if len(models) > 1:
            self._second_pass(models[1], rows[1], bigram[1], label_keys, sentences, owner, ids, out)
        tags = iter(out.tags)
        return [[next(tags) for _ in doc] for doc in documents]

    def _second_pass(
        self,
        model: _Model,
        rows: np.ndarray,
        bigram: np.ndarray,
        label_keys: list[str | None],
        sentences: list[list[str]],
        owner: list[int],
        ids: list[list[int]],
        out: _Tagged,
    ) -> None:
        """Re-tag, with each document's first-pass labels as features, the sentences that have
        a word labelled somewhere in their document."""
        labels: dict[int, dict[str, set[str]]] = {}  # document -> word key -> kinds
        for doc, sent, tags in zip(owner, ids, out.tags, strict=True):
            for i, tag in zip(sent, tags, strict=True):
                if tag != "O" and (key := label_keys[i]) is not None:
                    labels.setdefault(doc, {}).setdefault(key, set()).add(tag[2:])
        # A sentence with no word the first pass marked elsewhere gets no document
        # features; its first-pass tags stand (this halves the cost on most articles).
        again = [
            k
            for k, sent in enumerate(ids)
            if (found := labels.get(owner[k])) and any(label_keys[i] in found for i in sent)
        ]
        if not again:
            return
        kinds = self._kinds
        masks = {
            doc: {key: sum(1 << kinds.index(kind) for kind in seen) for key, seen in found.items()}
            for doc, found in labels.items()
        }
        doc_masks = [[masks[owner[k]].get(label_keys[i] or "", 0) for i in ids[k]] for k in again]
        second = self._decode(model, rows, bigram, [ids[k] for k in again], doc_masks)
        for k, tags in zip(again, second.tags, strict=True):
            out.tags[k] = tags
        for j in second.unsure:
            k = again[j]
            crfsuite = self._taggers()[1]
            assert crfsuite is not None  # there are two models
            x = features.sentence_features(sentences[k], self._word)
            mine = labels[owner[k]]
            out.tags[k] = crfsuite.tag(features.add_doc_features(x, sentences[k], mine))

    def _decode(
        self,
        model: _Model,
        rows: np.ndarray,
        bigram: np.ndarray,
        ids: list[list[int]],
        doc: list[list[int]] | None,
    ) -> _Tagged:
        """Return the tags of sentences given as word rows (and document-label masks)."""
        flat: list[int] = [0] * _PAD
        starts, lengths = [], []
        for sent in ids:
            starts.append(len(flat))
            lengths.append(len(sent))
            flat += sent
            flat += [0] * _PAD
        at = np.array(flat, dtype=np.intp)
        scores = model.scores(at, rows, bigram)
        begin = np.array(starts, dtype=np.intp)
        end = begin + np.array(lengths, dtype=np.intp) - 1
        keep = begin <= end  # empty sentences get no tags
        scores[begin[keep]] += model.bos
        scores[end[keep]] += model.eos
        if doc is not None:
            mask = np.zeros(len(flat), dtype=np.intp)
            for start, sent in zip(starts, doc, strict=True):
                mask[start : start + len(sent)] = sent
            own, before, after = model.doc
            scores += own[mask]
            scores[1:] += before[mask[:-1]]
            scores[:-1] += after[mask[1:]]
        decoded = viterbi(scores, starts, lengths, model.crf.trans)
        names = model.crf.labels
        return _Tagged([[names[y] for y in path] for path in decoded.paths], decoded.unsure)

    def _table(self, new_words: int) -> _Words:
        """Return the word table, fresh when this document could overflow it (under the lock)."""
        words = self._words
        if words is None or len(words.index) + new_words > MAX_WORDS:
            size = FIRST_WORDS if words is None else words.size
            if words is not None:
                words._previous = None  # keep one generation back, not a chain
                words._by_key = {}  # only its words and rows are read from now on
            models = self._load()
            if self._union is None:
                self._union = _Union.of(models)
            words = self._words = _Words(models, self._union, size, words)
        return words

    def _load(self) -> list[_Model]:
        """Return the models (read once, under the lock)."""
        if self._models is None:
            base = _Model.load(self._paths[0], ())
            # The second model's d= features name the kinds of the first one's tags.
            self._kinds = tuple(sorted({label[2:] for label in base.crf.labels if label != "O"}))
            models = [base]
            if self._paths[1].exists():
                models.append(_Model.load(self._paths[1], self._kinds))
            self._models = models
        return self._models

    # The reference: crfsuite itself, on feature strings (also decides near-ties above).

    def tag_crfsuite(self, sentences: list[list[str]]) -> list[list[str]]:
        """Return what `tag` returns, computed by pycrfsuite from feature strings (slow)."""
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
            if x and features.has_doc_labels(words, labels):
                tags = second.tag(features.add_doc_features(x, words, labels))
            out.append(tags)
        return out

    def _word(self, word: str) -> tuple[list[str], list[list[str]], str]:
        """Return a word's features without those the models never saw (cached)."""
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


@dataclass
class _Tagged:
    tags: list[list[str]]
    unsure: list[int]


@cache
def default_tagger() -> ArabicTagger:
    """Return the tagger of the committed models (loaded once)."""
    return ArabicTagger()
