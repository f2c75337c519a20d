"""seeds/sources.toml loads into valid SourceConfigs; bad entries are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.fetch.sources import (
    DEFAULT_SOURCES,
    LANGUAGES,
    TOPICS,
    SourceConfigError,
    load_sources,
    load_sources_report,
)


def test_shipped_sources_are_valid_and_cover_all_languages() -> None:
    sources = load_sources(DEFAULT_SOURCES)
    assert len(sources) >= 12
    assert {s.language for s in sources} == LANGUAGES
    for source in sources:
        assert source.url.startswith("https://")
        assert source.topics and set(source.topics) <= TOPICS
        assert 5 <= source.interval_minutes <= 1440
    assert len({s.url for s in sources}) == len(sources)
    # Anadolu in all three languages, as the issue asks.
    assert {s.language for s in sources if "aa.com.tr" in s.url} == LANGUAGES


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('name = "x"\nurl = "https://x.example/"\nlanguage = "fr"', "language"),
        ('name = "x"\nurl = "ftp://x.example/"\nlanguage = "ar"', "http"),
        ('name = "x"\nlanguage = "ar"', "missing 'url'"),
        ('name = "x"\nurl = "https://x.example/"\nlanguage = "ar"\ntopics = ["gossip"]', "topics"),
        (
            'name = "x"\nurl = "https://x.example/"\nlanguage = "ar"\ninterval_minutes = 1',
            "interval",
        ),
        (
            'name = "x"\nurl = "https://x.example/"\nlanguage = "ar"\nfetch_fulltext = true',
            "unknown keys",
        ),
    ],
)
def test_bad_entries_are_refused(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(f"[[source]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(SourceConfigError, match=message):
        load_sources(path)


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    entry = '[[source]]\nname = "x"\nurl = "https://x.example/"\nlanguage = "en"\n'
    path.write_text(entry * 2, encoding="utf-8")
    with pytest.raises(SourceConfigError, match="duplicate"):
        load_sources(path)


def test_defaults(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nname = "x"\nurl = "https://x.example/"\nlanguage = "tr"\n')
    [source] = load_sources(path)
    assert (source.interval_minutes, source.fetch_full_text, source.enabled, source.topics) == (
        30,
        False,
        True,
        [],
    )


def test_a_bad_entry_is_skipped_with_its_reason_and_the_others_kept(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nname = "A"\nurl = "https://a.example/rss"\nlanguage = "en"\n'
        '[[source]]\nname = "B"\nurl = "ftp://b.example/"\nlanguage = "en"\n'
        '[[source]]\nname = "A"\nurl = "https://c.example/rss"\nlanguage = "ar"\n'
    )
    sources, problems = load_sources_report(path)
    assert [s.url for s in sources] == ["https://a.example/rss"]
    assert problems[0].startswith("source #2 (B): not an http(s) URL")
    assert problems[1] == "source #3: duplicate source name 'A'"
