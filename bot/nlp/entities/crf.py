"""A linear-chain CRF read from a crfsuite model file, and a batched numpy Viterbi decoder."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pycrfsuite

# Two best paths closer than this are left to crfsuite. Summing the same weights in another
# order moves a path's score by at most ~1e-13 per token (~100 weights per token, all below
# 10 in the committed models, double precision), so below 10,000 tokens a gap wider than TOL
# ranks the paths the same way in both decoders.
TOL = 1e-6

_FEATURE = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])


@dataclass(frozen=True)
class CrfModel:
    """The weights of a crfsuite CRF1d model, indexed by attribute and label ids."""

    labels: list[str]  # by label id
    attributes: dict[str, int]  # attribute name -> row of `state`
    state: np.ndarray  # (attributes + 1, labels): the last row is zeros, for unknown names
    trans: np.ndarray  # (labels, labels): weight of label [from] followed by label [to]

    @property
    def unknown(self) -> int:
        """Return the row of `state` that holds zeros (where unknown attributes point)."""
        return len(self.attributes)

    @classmethod
    def load(cls, path: Path) -> CrfModel:
        """Read a model file: exact weights from its binary, names through pycrfsuite."""
        # Tagger.info() prints weights with six decimals, so read the doubles themselves.
        data = path.read_bytes()
        magic, _, kind, _, _, n_labels, n_attrs, off_features = struct.unpack_from(
            "<4sI4s5I", data, 0
        )
        if magic != b"lCRF" or kind != b"FOMC":
            raise ValueError(f"{path}: not a crfsuite CRF1d model")
        chunk, _, n_features = struct.unpack_from("<4sII", data, off_features)
        if chunk != b"FEAT":
            raise ValueError(f"{path}: no feature chunk")
        feats = np.frombuffer(data, _FEATURE, n_features, off_features + 12)
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        info = tagger.info()
        tagger.close()
        labels = [""] * n_labels
        for name, i in info.labels.items():
            labels[int(i)] = name
        attributes = {name: int(i) for name, i in info.attributes.items()}
        if len(attributes) != n_attrs or "" in labels:
            raise ValueError(f"{path}: names do not match the header")
        state = np.zeros((n_attrs + 1, n_labels))
        trans = np.zeros((n_labels, n_labels))
        st, tr = feats[feats["type"] == 0], feats[feats["type"] == 1]
        # crfsuite keeps one feature per (attribute, label) and per (label, label).
        if len(np.unique(st["src"].astype(np.int64) * n_labels + st["dst"])) != len(st):
            raise ValueError(f"{path}: repeated state features")
        state[st["src"], st["dst"]] = st["weight"]
        trans[tr["src"], tr["dst"]] = tr["weight"]
        return cls(labels, attributes, state, trans)

    def rows(self, names: list[str]) -> list[int]:
        """Return the row of each attribute name (the zero row for names the model lacks)."""
        get, unknown = self.attributes.get, self.unknown
        return [get(n, unknown) for n in names]

    def sums(self, groups: list[list[str]]) -> np.ndarray:
        """Return, for each group of attribute names, the sum of their weight vectors."""
        index: list[int] = []
        starts = []
        for names in groups:
            starts.append(len(index))
            index.append(self.unknown)  # so that an empty group sums to zeros
            index.extend(self.rows(names))
        return np.add.reduceat(self.state[index], starts, axis=0)


@dataclass
class Decoded:
    """Best label ids per sequence, and which sequences had a near-tie (left undecided)."""

    paths: list[list[int]]
    unsure: list[int]


def viterbi(
    scores: np.ndarray, starts: list[int], lengths: list[int], trans: np.ndarray
) -> Decoded:
    """Return the best label path of each sequence scores[start : start + length].

    Each sequence is split in two halves, the first read forwards and the second backwards,
    and all halves are decoded together, longest first, one position at a time: the steps
    are half the longest sequence. The halves meet on the best pair of labels across the cut.
    A sequence whose best path beats another path by less than TOL is listed as unsure:
    crfsuite, which sums in another order, could pick either of them.
    """
    n_labels = trans.shape[0]
    halves = []  # (length, first position, direction, sequence)
    for k, (start, n) in enumerate(zip(starts, lengths, strict=True)):
        if n:
            halves.append(((n + 1) // 2, start, 1, k))
        if n > 1:
            halves.append((n // 2, start + n - 1, -1, k))
    paths: list[list[int]] = [[] for _ in lengths]
    if not halves:
        return Decoded(paths, [])
    halves.sort(key=lambda h: -h[0])
    lens = np.array([h[0] for h in halves], dtype=np.intp)
    back = np.array([h[2] < 0 for h in halves])
    n_halves, steps = len(halves), int(lens[0])
    span = np.arange(steps)
    valid = span[:, None] < lens[None, :]  # (steps, halves)
    first = np.array([h[1] for h in halves], dtype=np.intp)
    where = np.where(valid, first + span[:, None] * np.where(back, -1, 1), 0)
    # Layout (step, label, half): each step's sums run along the halves.
    emit = scores.take(where, axis=0).transpose(0, 2, 1).copy()
    alpha = np.empty_like(emit)
    alpha[0] = emit[0]
    # moves[d][i, j]: the weight of reading label i then label j in direction d; read
    # backwards, label j at a position precedes label i: trans[j][i].
    moves = np.stack([trans, trans.T])
    kind = back.astype(np.intp)
    wide = np.ascontiguousarray(moves.take(kind, axis=0).transpose(1, 2, 0))
    buf = np.empty_like(wide)
    live = valid.sum(axis=1).tolist()  # halves still running at each step (a prefix)
    add, best = np.add, np.maximum.reduce
    n = 0
    for t in range(1, steps):
        if live[t] != n:  # views of the running halves, remade only when some end
            n = live[t]
            alpha_n, emit_n, wide_n, buf_n = (a[:, :, :n] for a in (alpha, emit, wide, buf))
        # crfsuite's order: prev[i] + trans[i][j], the best over i, then + state[j].
        now = alpha_n[t]
        add(alpha_n[t - 1][:, None, :], wide_n, out=buf_n)
        best(buf_n, axis=0, out=now)
        add(now, emit_n[t], out=now)
    halves_n = np.arange(n_halves)
    last = alpha[lens - 1, :, halves_n]  # (halves, labels): each half's final scores
    # Where the halves meet: the best (last label of the first half, first of the second).
    fore = {h[3]: b for b, h in enumerate(halves) if h[2] > 0}
    aft = {h[3]: b for b, h in enumerate(halves) if h[2] < 0}
    pairs = sorted(aft)
    joined = (
        last[[fore[k] for k in pairs]][:, :, None]
        + trans
        + last[[aft[k] for k in pairs]][:, None, :]
    )
    joined = joined.reshape(len(pairs), n_labels * n_labels)
    meet = dict(zip(pairs, joined.argmax(axis=1).tolist(), strict=True))
    unsure = {pairs[i] for i in np.flatnonzero(_gap(joined) < TOL).tolist()}
    alone = [k for k in fore if k not in aft]  # one-word sequences
    ends = dict(zip(alone, last[[fore[k] for k in alone]].argmax(axis=1).tolist(), strict=True))
    if alone:
        unsure.update(
            alone[i] for i in np.flatnonzero(_gap(last[[fore[k] for k in alone]]) < TOL).tolist()
        )
    # Trace back all halves together, one step at a time: at each step only the label each
    # half goes to needs its best predecessor, recomputed with the same sums as the forward
    # loop (so the same maxima); argmax keeps the first best, as crfsuite does.
    final = [
        (ends[k] if k in ends else meet[k] // n_labels) if direction > 0 else meet[k] % n_labels
        for _, _, direction, k in halves
    ]
    labels_at = np.empty((steps, n_halves), dtype=np.intp)
    labels_at[lens - 1, halves_n] = final
    # came[t - 1, i, b]: half b at step t-1 in label i, then in its label at step t.
    came = np.zeros((steps - 1, n_labels, n_halves))
    for t in range(steps - 1, 0, -1):
        n = live[t]
        now = came[t - 1, :, :n]
        add(alpha[t - 1, :, :n], wide[:, labels_at[t, :n], halves_n[:n]], out=now)
        labels_at[t - 1, :n] = now.argmax(axis=0)
    if n_labels > 1 and steps > 1:  # a half whose path passed a near-tie
        close = (_gap(came) < TOL) & valid[1:]
        unsure.update(halves[b][3] for b in np.flatnonzero(close.any(axis=0)).tolist())
    traced = labels_at.T.tolist()
    for b, (length, _, direction, k) in enumerate(halves):
        if direction > 0:
            paths[k] = traced[b][:length] + paths[k]
        else:
            paths[k] = paths[k] + traced[b][length - 1 :: -1]
    return Decoded(paths, sorted(unsure))


def _gap(values: np.ndarray) -> np.ndarray:
    """Return the best value minus the second best along axis 1 (inf for a single column;
    values wider than 16 columns are 2-D)."""
    width = values.shape[1]
    if width < 2:
        return np.full(values.shape[:1] + values.shape[2:], np.inf)
    if width <= 16:
        # Few columns (the labels): a running best and second best, one pass per column,
        # costs a fifth of sorting them. Equal best values give a gap of zero either way.
        best = values[:, 0].copy()
        second = np.full_like(best, -np.inf)
        for k in range(1, width):
            column = values[:, k]
            np.maximum(second, np.minimum(best, column), out=second)
            np.maximum(best, column, out=best)
        return best - second
    rows = np.arange(len(values))
    top = values.argmax(axis=1)
    rest = values.copy()
    rest[rows, top] = -np.inf
    return values[rows, top] - rest.max(axis=1)
