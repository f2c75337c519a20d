"""The configured news sources: a TOML file of feeds with language, topics and polling interval."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.fetch.urls import canonical_url
from bot.nlp.topics import topic_ids

LANGUAGES = frozenset({"ar", "en", "tr"})
# The taxonomy's ids: a source's topics must be among them.
TOPICS = frozenset(topic_ids())
DEFAULT_SOURCES = Path(__file__).resolve().parents[2] / "seeds" / "sources.toml"


class SourceConfigError(ValueError):
    """A source entry in the TOML file is invalid."""


@dataclass(frozen=True)
class SourceConfig:
    """One feed to poll."""

    name: str
    url: str
    language: str
    topics: list[str] = field(default_factory=list)
    interval_minutes: int = 30
    fetch_full_text: bool = False
    enabled: bool = True


def _source(entry: dict[str, Any], index: int) -> SourceConfig:
    where = f"source #{index + 1} ({entry.get('name', '?')})"
    unknown = set(entry) - {f for f in SourceConfig.__dataclass_fields__} - {"verified"}
    if unknown:
        raise SourceConfigError(f"{where}: unknown keys {sorted(unknown)}")
    try:
        name, url, language = str(entry["name"]), str(entry["url"]), str(entry["language"])
    except KeyError as exc:
        raise SourceConfigError(f"{where}: missing {exc.args[0]!r}") from exc
    try:
        canonical_url(url)
    except ValueError as exc:
        raise SourceConfigError(f"{where}: {exc}") from exc
    if language not in LANGUAGES:
        raise SourceConfigError(f"{where}: language must be one of {sorted(LANGUAGES)}")
    topics = list(entry.get("topics", []))
    bad = [t for t in topics if t not in TOPICS]
    if bad:
        raise SourceConfigError(f"{where}: unknown topics {bad}")
    interval = entry.get("interval_minutes", 30)
    if not isinstance(interval, int) or isinstance(interval, bool) or not 5 <= interval <= 1440:
        raise SourceConfigError(f"{where}: interval_minutes must be an integer from 5 to 1440")
    return SourceConfig(
        name=name,
        url=url,
        language=language,
        topics=topics,
        interval_minutes=interval,
        fetch_full_text=bool(entry.get("fetch_full_text", False)),
        enabled=bool(entry.get("enabled", True)),
    )


def load_sources(path: str | Path = DEFAULT_SOURCES) -> list[SourceConfig]:
    """Read `[[source]]` tables from a TOML file; raise SourceConfigError on a bad entry."""
    sources, problems = load_sources_report(path)
    if problems:
        raise SourceConfigError(problems[0])
    return sources


def load_sources_report(path: str | Path = DEFAULT_SOURCES) -> tuple[list[SourceConfig], list[str]]:
    """Read the good `[[source]]` tables of a TOML file, and why each bad one was skipped.

    Raise OSError or tomllib.TOMLDecodeError when the file cannot be read at all.
    """
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    entries = data.get("source", [])
    if not isinstance(entries, list):
        return [], ["'source' must be an array of tables ([[source]])"]
    sources: list[SourceConfig] = []
    problems: list[str] = []
    for index, entry in enumerate(entries):
        try:
            if not isinstance(entry, dict):
                raise SourceConfigError(f"source #{index + 1}: not a table")
            source = _source(entry, index)
        except SourceConfigError as error:
            problems.append(str(error))
            continue
        if any(s.name == source.name for s in sources):
            problems.append(f"source #{index + 1}: duplicate source name {source.name!r}")
            continue
        sources.append(source)
    return sources, problems
