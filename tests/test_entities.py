"""Tests for entity extraction, cross-script linking and the curated table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlp.entities import Catalog, Mention, extract_entities, extract_entities_many
from bot.nlp.entities import extract as extract_module
from bot.nlp.entities.catalog import DATA
from bot.nlp.entities.evaluate import (
    SPLITS,
    held_out,
    iob_spans,
    score,
    split,
    training_part,
    tuning_split,
)
from bot.nlp.entities.features import CLUSTERS, clusters, word_features
from bot.nlp.entities.tagger import BASE_MODEL, MODEL, default_tagger
from bot.nlp.entities.tokens import clitic_variants, tokenize

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_71b83e5a6f827b4c.txt"


def seed_text() -> str:
    """Return the seed article's headline, subtitle and body (no place tag, dateline, notice)."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[:2] + lines[5:-1])


def ids(mentions: list[Mention]) -> set[str]:
    return {m.id for m in mentions}


def check_offsets(text: str, mentions: list[Mention]) -> None:
    for m in mentions:
        assert text[m.start : m.end] == m.text
        assert m.type in {"person", "organization", "place", "other"}
        assert m.id and m.name


def test_seed_article_finds_and_links_the_main_entities():
    text = seed_text()
    mentions = extract_entities(text, "ar")
    check_offsets(text, mentions)
    found = ids(mentions)
    for entity_id in [
        "hamas",
        "benjamin-netanyahu",
        "israel",
        "gaza",
        "egypt",
        "qatar",
        "united-states",
        "white-house",
        "donald-trump",
        "karoline-leavitt",
        "tel-aviv",
    ]:
        assert entity_id in found, entity_id
    qassem = [m for m in mentions if m.name == "حازم قاسم"]
    assert qassem and all(m.type == "person" for m in qassem)
    # In-document propagation: the later bare "قاسم" is the same person.
    assert any(m.text == "قاسم" for m in qassem)
    assert len({m.id for m in qassem}) == 1
    # Clitics stay out of the span: "بغزة" gives the mention "غزة".
    assert all(m.text == "غزة" for m in mentions if m.id == "gaza")
    names = {m.id: m.name for m in mentions}
    assert names["benjamin-netanyahu"] == "بنيامين نتنياهو"
    assert names["united-states"] == "الولايات المتحدة"


def test_english_and_arabic_netanyahu_link_to_one_id():
    en = extract_entities("Netanyahu said the talks would go on.", "en")
    ar = extract_entities("قال نتنياهو إن المحادثات ستستمر", "ar")
    assert [m.id for m in en] == ["benjamin-netanyahu"]
    assert "benjamin-netanyahu" in ids(ar)
    assert en[0].name == "Benjamin Netanyahu"


def test_turkish_suffix_after_apostrophe_links_to_gaza():
    text = "İsrail ordusu Gazze'de yeni saldırılar düzenledi."
    mentions = extract_entities(text, "tr")
    check_offsets(text, mentions)
    gaza = [m for m in mentions if m.id == "gaza"]
    assert gaza and gaza[0].text == "Gazze" and gaza[0].name == "Gazze"
    assert "israeli-army" in ids(mentions)


def test_article_without_entities_gives_nothing():
    assert extract_entities("The weather was mild and the market stayed calm all day.", "en") == []
    assert extract_entities("كان الطقس معتدلا طوال اليوم وهدأت الأسواق", "ar") == []


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "ب",
        "\u064e\u0651\u064f",
        "!?.،؟",
        "غزة" * 125,
        "x" * 500,
        "\u202eHamas\u202c",
        "\u200f",
    ],
)
@pytest.mark.parametrize("lang", ["ar", "en", "tr"])
def test_odd_inputs_never_raise(text, lang):
    check_offsets(text, extract_entities(text, lang))


def test_common_word_hope_is_not_a_person():
    assert extract_entities("أمل", "ar") == []
    assert extract_entities("Hope", "en") == []
    assert all(m.type != "person" for m in extract_entities("Hope is not a plan.", "en"))


def test_english_title_and_propagation():
    text = "Hamas spokesperson Hazem Qassem said the mediators were in touch. Qassem added more."
    mentions = extract_entities(text, "en")
    check_offsets(text, mentions)
    people = [m for m in mentions if m.type == "person"]
    assert [m.text for m in people] == ["Hazem Qassem", "Qassem"]
    assert people[0].id == people[1].id == "person:hazem qassem"
    assert "hamas" in ids(mentions)


def test_acronyms_need_their_capitals():
    assert ids(extract_entities("The US and the EU met.", "en")) == {
        "united-states",
        "european-union",
    }
    assert extract_entities("They told us who was there.", "en") == []


def test_weak_alias_needs_the_tagger():
    # "مالي" is Mali, but also "financial": alone in a phrase it is not taken as the country.
    assert "mali" not in ids(extract_entities("دعم مالي كبير للمشروع", "ar"))


class BrokenTagger:
    def tag(self, sentences):
        raise RuntimeError("model file is corrupt")


def test_tagger_failure_falls_back_to_catalog(monkeypatch, caplog):
    monkeypatch.setattr(extract_module, "default_tagger", lambda: BrokenTagger())
    mentions = extract_entities("قال نتنياهو إن حماس في غزة", "ar")
    assert ids(mentions) == {"benjamin-netanyahu", "hamas", "gaza"}
    assert "tagger failed" in caplog.text


PIECES = (
    list("abcİıIGazeHmsNtny' .,\n")
    + list("غزةحماسنتيهوالبيتأبض ،؟")
    + [
        "\u064e",
        "\u202e",
        "\u200f",
        "Gazze'de",
        "بغزة",
        "Netanyahu",
        "US",
        "حازم قاسم",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join) | st.text(max_size=60),
    st.sampled_from(["ar", "en", "tr", "xx"]),
)
def test_extract_never_raises_and_offsets_match(text, lang):
    check_offsets(text, extract_entities(text, lang))


# The curated table and the catalog API.

SAME = [
    ["حماس", "Hamas", "حركة حماس"],
    ["نتنياهو", "بنيامين نتنياهو", "Netanyahu", "Benjamin Netanyahu"],
    ["ترامب", "Trump", "Donald Trump", "دونالد ترامب"],
    ["غزة", "Gaza", "Gazze", "بغزة", "Gazze'de"],
    ["مصر", "Egypt", "Mısır", "misir"],
    ["الولايات المتحدة", "United States", "ABD", "US", "USA", "أمريكا", "والولايات المتحدة"],
    ["إسرائيل", "Israel", "İsrail", "اسرائيل"],
    ["القدس", "Jerusalem", "Kudüs"],
    ["البيت الأبيض", "White House", "Beyaz Saray"],
]


@pytest.mark.parametrize("names", SAME)
def test_names_resolve_to_one_entry_across_scripts(names):
    catalog = Catalog.load()
    resolved = [[e.id for e in catalog.resolve(n)] for n in names]
    assert all(len(r) == 1 for r in resolved), resolved
    assert len({r[0] for r in resolved}) == 1


def test_resolve_reports_ambiguity_and_unknowns():
    catalog = Catalog.load()
    assert {e.id for e in catalog.resolve("عمان")} == {"oman", "amman"}
    assert catalog.resolve("Nowhereland") == []
    assert catalog.resolve("") == []


@pytest.mark.parametrize(
    ("typed", "entity"),
    [
        ("Gazze Seridi", "gaza"),
        ("Kudus", "jerusalem"),
        ("Lubnan", "lebanon"),
        ("Turkiye", "turkiye"),
    ],
)
def test_a_turkish_name_typed_without_its_accents_resolves(typed: str, entity: str) -> None:
    assert [e.id for e in Catalog.load().resolve(typed)] == [entity]


def test_a_short_unaccented_word_is_not_taken_for_an_accented_name() -> None:
    assert Catalog.load().resolve("Sam") == []  # a first name, not Şam (Damascus)


def test_suggest_finds_misspellings():
    catalog = Catalog.load()
    assert catalog.suggest("Netanyahoo")[0].id == "benjamin-netanyahu"
    assert catalog.suggest("Erdogn")[0].id == "recep-tayyip-erdogan"
    assert catalog.suggest("نتنياهوو")[0].id == "benjamin-netanyahu"
    assert len(catalog.suggest("Gaza", limit=3)) <= 3
    assert catalog.suggest("   ") == []


def test_table_is_complete_and_well_formed():
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    ids_ = [e["id"] for e in raw]
    assert len(ids_) == len(set(ids_))
    assert sum(e.get("kind") == "country" for e in raw) >= 190
    for entry in raw:
        assert entry["type"] in {"person", "organization", "place"}
        assert all(entry["names"].get(lang) for lang in ("ar", "en", "tr")), entry["id"]
    catalog = Catalog.load()
    for entity_id in [
        "hamas",
        "hezbollah",
        "unrwa",
        "nato",
        "who",
        "anadolu-agency",
        "kyiv",
        "recep-tayyip-erdogan",
        "vladimir-putin",
        "antonio-guterres",
    ]:
        assert catalog.get(entity_id) is not None, entity_id
    assert Catalog.load() is catalog  # cached


def test_tokens_and_clitics():
    tokens = tokenize("Gazze'de بغزة")
    assert [(t.text, t.key) for t in tokens] == [("Gazze", "gazze"), ("بغزة", "بغزه")]
    assert clitic_variants("والولايات")[-1] == "الولايات"
    assert clitic_variants("للولايات")[-1] == "الولايات"
    assert clitic_variants("بنيامين")[0] == "بنيامين"


def test_conll_scoring():
    assert iob_spans(["B-PERS", "I-PERS", "O", "I-LOC", "B-ORG"]) == [
        (0, 2, "PERS"),
        (3, 4, "LOC"),
        (4, 5, "ORG"),
    ]
    result = score([["B-PERS", "I-PERS", "O"]], [["B-PERS", "O", "O"]])
    assert result["all"]["f1"] == 0.0
    assert score([["B-LOC"]], [["B-LOC"]])["LOC"]["f1"] == 1.0


def test_models_are_small():
    assert BASE_MODEL.stat().st_size + MODEL.stat().st_size < 6_000_000
    assert CLUSTERS.stat().st_size < 3_000_000


def test_word_clusters_are_nested_ids_and_become_features():
    table = clusters()
    assert len(table) > 10_000
    assert all(len(path) == 3 and all(p.isdigit() for p in path) for path in table.values())
    assert table["الرياض"] == table["جده"]  # two Saudi cities share a cluster
    own = word_features("والرياض")[0]
    assert any(f.startswith("k2=") for f in own)
    assert "k=none" in word_features("qqqzzzxq")[0]


def test_held_out_splits_are_disjoint_from_the_training_part():
    sents = [([str(i)], ["O"]) for i in range(1000)]
    assert held_out(1000, "last") == list(range(900, 1000))
    blocks = held_out(1000, "blocks")
    assert len(blocks) == 100 and blocks[:2] == [200, 201]
    train = {s[0][0] for s in training_part(sents)}
    for how in SPLITS:
        rest, held = split(sents, how)
        assert len(rest) + len(held) == 1000
        assert train.isdisjoint(s[0][0] for s in held)
    tune, dev = tuning_split(training_part(sents))
    assert dev and {s[0][0] for s in tune}.isdisjoint(s[0][0] for s in dev)
    with pytest.raises(ValueError):
        held_out(10, "random")


def test_turkish_title_and_month_is_not_propagated():
    text = "Hamas Sözcüsü Hazım Kasım açıklama yaptı. Görüşmeler 15 Kasım'da sürecek."
    mentions = extract_entities(text, "tr")
    check_offsets(text, mentions)
    people = [m for m in mentions if m.type == "person"]
    assert [m.text for m in people] == ["Hazım Kasım"]
    assert "hamas" in ids(mentions)


def test_a_known_person_named_with_more_ancestors_is_the_same_person():
    text = "استقبل الأمير محمد بن سلمان بن عبدالعزيز ولي ولي العهد وزير الدفاع الوفد الزائر."
    ids = {m.id for m in extract_entities(text, "ar") if m.type == "person"}
    assert ids == {"mohammed-bin-salman"}


def test_pious_formulas_are_not_names():
    text = (
        "وأكد الملك سلمان حفظه الله أن المملكة ماضية في طريقها، وقال الله تعالى إن العدل أساس. "
        "وتوفي الشيخ عبد الله بن باز رحمه الله في مكة."
    )
    found = [m.text for m in extract_entities(text, "ar")]
    assert not [name for name in found if name in ("الله", "حفظه الله", "رحمه الله")], found
    assert "عبد الله بن باز" in found  # a name with الله in it stays


def test_a_latin_name_never_runs_over_a_line_break_or_a_spaced_dash():
    text = "Fixtures:\nBournemouth - Aston Villa\nChelsea - Manchester City\nUnited Nations"
    for mention in extract_entities(text, "en"):
        assert "\n" not in mention.text and " - " not in mention.text, mention


def test_english_organisation_is_typed_by_its_head_word():
    mentions = extract_entities("The Ministry of Health said 20 people died.", "en")
    assert [(m.text, m.type) for m in mentions] == [("Ministry of Health", "organization")]


def test_a_batch_gives_each_text_what_it_gets_alone() -> None:
    texts = [
        ("قال رئيس الوزراء الإسرائيلي بنيامين نتنياهو في القدس إن المفاوضات مع حماس مستمرة.", "ar"),
        ("Hamas spokesman Hazem Qassem said mediators in Cairo kept up their contacts.", "en"),
        ("", "ar"),
        ("Cumhurbaşkanı Erdoğan Ankara'da konuştu.", "tr"),
        ("وأكد المتحدث باسم الخارجية التركية أن أنقرة تتابع الوضع في غزة ولبنان.", "ar"),
    ]
    batch = extract_entities_many(texts)
    assert batch == [extract_entities(text, lang) for text, lang in texts]
    assert batch[2] == [] and all(batch[k] for k in (0, 1, 3, 4))


def test_a_failing_tagger_leaves_the_batch_its_catalog_matches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(documents: object) -> object:
        raise RuntimeError("tagger exploded")

    monkeypatch.setattr(default_tagger(), "tag_documents", broken)
    found = extract_entities_many([("قال نتنياهو إن حماس في غزة.", "ar")])[0]
    assert {m.id for m in found} == {"benjamin-netanyahu", "hamas", "gaza"}
