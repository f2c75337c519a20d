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
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    sources = [_source(entry, i) for i, entry in enumerate(data.get("source", []))]
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SourceConfigError(f"duplicate source names: {duplicates}")
    return sources
