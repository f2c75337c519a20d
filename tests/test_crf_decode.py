"""Tests for the numpy CRF decoder: it must tag exactly as pycrfsuite does."""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path

import numpy as np
import pycrfsuite
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlp.entities import crf, tagger
from bot.nlp.entities.crf import CrfModel, viterbi
from bot.nlp.entities.evaluate import read_conll
from bot.nlp.entities.tagger import BASE_MODEL, MODEL, ArabicTagger

SHARED = Path(
    os.environ.get(
        "MOJAZ_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    )
)
CONLL = SHARED / "anercorp" / "train.conll"

ODD = [
    [],
    ["قال"],
    ["،", ".", "؟"],
    ["a|b", "|", "||", "w=|", "bg=x"],  # bigram keys hold "|" too
    ["Trump", "في", "واشنطن", "Trump", "واشنطن", "2024", "٢٠٢٤"],
    ["الرئيس", "محمد", "بن", "سلمان", "ولي", "العهد", "السعودي", "في", "الرياض"],
    ["محمد"] * 30,
]


@pytest.fixture(scope="module")
def reference() -> ArabicTagger:
    """Return a tagger whose tag_crfsuite is the reference (its pycrfsuite pair is loaded once)."""
    return ArabicTagger()


@pytest.fixture(scope="module")
def anercorp() -> list[list[list[str]]]:
    """Return ANERcorp as documents of 25 sentences (every eighth block, to stay fast)."""
    if not CONLL.exists():
        pytest.skip(f"{CONLL} not found")
    words = [w for w, _ in read_conll(CONLL)]
    return [words[k : k + 25] for k in range(0, len(words), 25)][::8]


def test_weights_are_the_model_files_doubles():
    model = CrfModel.load(BASE_MODEL)
    reference = pycrfsuite.Tagger()
    reference.open(str(BASE_MODEL))
    info = reference.info()
    assert len(model.attributes) == len(info.attributes)
    assert sorted(model.labels) == sorted(info.labels)
    # info() prints six decimals; the doubles themselves round to them.
    for (name, label), weight in itertools.islice(info.state_features.items(), 3000):
        got = model.state[model.attributes[name], model.labels.index(label)]
        assert abs(got - weight) <= 5e-7
    for (a, b), weight in info.transitions.items():
        assert abs(model.trans[model.labels.index(a), model.labels.index(b)] - weight) <= 5e-7
    assert not model.state[model.unknown].any()


def brute_force(scores: np.ndarray, trans: np.ndarray) -> tuple[list[int], float]:
    """Return the best path by trying them all, and its lead over the second best."""
    ranked = sorted(
        (
            sum(scores[t, y] for t, y in enumerate(path))
            + sum(trans[a, b] for a, b in itertools.pairwise(path)),
            path,
        )
        for path in itertools.product(range(scores.shape[1]), repeat=len(scores))
    )
    lead = ranked[-1][0] - ranked[-2][0] if len(ranked) > 1 else np.inf
    return list(ranked[-1][1]), lead


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=5),
    st.integers(2, 3),
    st.integers(0, 2**32 - 1),
)
def test_viterbi_finds_the_best_path_of_each_sequence(lengths, labels, seed):
    rng = np.random.default_rng(seed)
    trans = rng.normal(size=(labels, labels))
    starts = list(itertools.accumulate([1, *[n + 2 for n in lengths[:-1]]]))
    scores = rng.normal(size=(starts[-1] + lengths[-1] + 1, labels))
    decoded = viterbi(scores, starts, lengths, trans)
    for k, (start, n) in enumerate(zip(starts, lengths, strict=True)):
        if n == 0:
            assert decoded.paths[k] == []
            continue
        path, lead = brute_force(scores[start : start + n], trans)
        if lead > 1e-9:
            assert decoded.paths[k] == path
        assert (k in decoded.unsure) == (lead < crf.TOL)


def test_viterbi_leaves_a_tie_to_crfsuite():
    trans = np.zeros((2, 2))
    scores = np.array([[1.0, 1.0], [0.0, 2.0], [3.0, 0.0], [0.5, 0.25]])
    decoded = viterbi(scores, [0, 2], [2, 2], trans)
    assert decoded.unsure == [0]
    assert decoded.paths[1] == [0, 0]


def test_tags_match_crfsuite_on_odd_input(reference):
    assert reference.tag(ODD) == reference.tag_crfsuite(ODD)
    assert reference.tag([]) == []


def test_tags_match_crfsuite_on_anercorp(anercorp, reference):
    for doc in anercorp:
        assert reference.tag(doc) == reference.tag_crfsuite(doc)


def test_first_pass_alone_matches_crfsuite(anercorp):
    tagged = ArabicTagger(model=Path("/nonexistent"))
    for doc in anercorp[:20]:
        assert tagged.tag(doc) == tagged.tag_crfsuite(doc)


def test_near_ties_go_to_crfsuite(anercorp, reference, monkeypatch):
    expected = [reference.tag_crfsuite(doc) for doc in [ODD, *anercorp[:4]]]
    # With every path "too close to call", each sentence takes the fallback.
    monkeypatch.setattr(crf, "TOL", np.inf)
    assert [reference.tag(doc) for doc in [ODD, *anercorp[:4]]] == expected


def test_word_table_grows_and_restarts(anercorp, reference, monkeypatch):
    monkeypatch.setattr(tagger, "FIRST_WORDS", 8)
    monkeypatch.setattr(tagger, "MAX_WORDS", 700)
    tagged = ArabicTagger()
    for doc in anercorp[:8] + anercorp[:3]:
        assert tagged.tag(doc) == reference.tag_crfsuite(doc)
    assert tagged._words is not None and len(tagged._words.index) <= 700


def test_threads_share_one_tagger(anercorp, reference, monkeypatch):
    monkeypatch.setattr(tagger, "FIRST_WORDS", 8)
    monkeypatch.setattr(tagger, "MAX_WORDS", 900)
    docs = anercorp[:12]
    expected = [reference.tag_crfsuite(doc) for doc in docs]
    shared = ArabicTagger()
    got: dict[int, list[list[str]]] = {}

    def work(which: range) -> None:
        for k in which:
            got[k] = shared.tag(docs[k])

    threads = [threading.Thread(target=work, args=(range(j, len(docs), 2),)) for j in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[k] for k in range(len(docs))] == expected


def test_committed_models_are_there():
    assert BASE_MODEL.exists() and MODEL.exists()
