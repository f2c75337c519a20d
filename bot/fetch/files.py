"""Read local exports (JSON, JSONL, saved feeds) into ArticleDrafts; bad records are skipped."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from bot.fetch.clean import html_to_text, one_line
from bot.fetch.feeds import language_code, parse_feed, sane_date
from bot.fetch.urls import absolute_url
from bot.models import ArticleDraft

log = logging.getLogger(__name__)

FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".rdf"})
JSON_SUFFIXES = frozenset({".json", ".jsonl", ".ndjson"})
MAX_FILE_BYTES = 200_000_000

# Accepted keys for each field, first match wins.
_TITLE = ("title", "headline")
_SUBTITLE = ("subtitle", "description", "summary", "lead", "standfirst")
_BODY = ("body", "content", "text", "article", "full_text")
_URL = ("url", "link", "href")
_DATE = ("published_at", "published", "date", "pubDate", "pub_date", "datetime", "created_at")


@dataclass
class FileResult:
    """Drafts read from one file and the records skipped, as (reason, where)."""

    drafts: list[ArticleDraft] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, "", []):
            return value
    return None


def parse_date(value: Any) -> datetime | None:
    """Read ISO 8601, RFC 2822 or epoch seconds; naive times are taken as UTC."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    return iso_date(text) or _rfc2822_date(text)


def iso_date(text: str) -> datetime | None:
    """Read an ISO 8601 date or time as UTC (a naive one is taken as UTC); None when the
    text is not one, or UTC cannot hold it."""
    try:
        return _utc(datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _rfc2822_date(text: str) -> datetime | None:
    try:
        return _utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def _utc(moment: datetime) -> datetime | None:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        return None


def _text_list(value: Any) -> list[str]:
    """Strings (or objects' string "name"s) of a list or comma-separated string; others dropped."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("name")
        text = one_line(item) if isinstance(item, str) else ""
        if text and text not in out:
            out.append(text)
    return out


def _string(value: Any) -> str:
    """A field's text; anything but a string (an object, a list, a number) is no text."""
    return value if isinstance(value, str) else ""


def _id(value: Any) -> str | None:
    """An id as text: a string or a whole number; anything else is no id."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def record_to_draft(
    record: Any, *, default_source: str = "", now: datetime | None = None
) -> tuple[ArticleDraft | None, str]:
    """Build a draft from one export record; return (None, reason) when it is unusable."""
    if not isinstance(record, dict):
        return None, f"not an object: {type(record).__name__}"
    texts = {
        "title": _first(record, _TITLE),
        "body": _first(record, _BODY),
        "subtitle": _first(record, _SUBTITLE),
    }
    for name, value in texts.items():
        if value is not None and not isinstance(value, str):
            return None, f"{name} is not text: {type(value).__name__}"
    title = one_line(texts["title"])
    body = html_to_text(texts["body"])
    subtitle = html_to_text(texts["subtitle"])
    if not body and subtitle:
        body, subtitle = subtitle, ""
    url = absolute_url(_string(_first(record, _URL)), None)
    if not title and not body:
        return None, "no title and no text"
    published, date_source = sane_date(parse_date(_first(record, _DATE)), now or datetime.now(UTC))
    if date_source == "feed":
        date_source = "article"  # the export's own date for the article
    author = _first(record, ("author", "byline", "authors"))
    guid = _id(record.get("guid")) or _id(record.get("id"))
    return (
        ArticleDraft(
            title=title,
            body=body,
            subtitle=subtitle,
            url=url,
            guid=guid or url,
            source=one_line(_string(record.get("source")) or default_source),
            language=language_code(_string(_first(record, ("language", "lang")))),
            location=one_line(_string(record.get("location"))),
            author=", ".join(_text_list(author))
            if isinstance(author, list)
            else one_line(_string(author)),
            tags=_text_list(_first(record, ("tags", "categories", "keywords"))),
            published_at=published,
            date_source=date_source,
        ),
        "",
    )


def _records(path: Path, text: str, result: FileResult) -> list[tuple[str, Any]]:
    """Return (where, record) pairs; undecodable lines go to `result.rejected`."""
    stripped = text.lstrip("\ufeff").lstrip()
    if path.suffix.lower() == ".json" or stripped.startswith("["):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            # One object per line is also how .json exports come (mongoexport's default).
            per_line = exc.msg == "Extra data" and stripped.startswith("{")
            if path.suffix.lower() == ".json" and not per_line:
                result.rejected.append((f"invalid JSON: {exc}", str(path)))
                return []
        else:
            if isinstance(data, dict):
                data = data.get("articles", data.get("items", [data]))
            if not isinstance(data, list):
                result.rejected.append(("JSON is neither a list nor has 'articles'", str(path)))
                return []
            return [(f"{path}[{i}]", item) for i, item in enumerate(data)]
    pairs: list[tuple[str, Any]] = []
    # split("\n"), not splitlines(): that also breaks at U+0085, U+2028 and other characters
    # a JSON string may hold as they are.
    for number, line in enumerate(stripped.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            pairs.append((f"{path}:{number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            result.rejected.append((f"invalid JSON line: {exc.msg}", f"{path}:{number}"))
    return pairs


def parse_file_report(
    path: str | Path, *, source: str = "", now: datetime | None = None
) -> FileResult:
    """Read a JSON, JSONL or saved feed file; report each skipped record with its reason."""
    path = Path(path)
    result = FileResult()
    if path.stat().st_size > MAX_FILE_BYTES:
        result.rejected.append((f"file larger than {MAX_FILE_BYTES} bytes", str(path)))
        return result
    content = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in FEED_SUFFIXES:
        uri = path.resolve().as_uri()
        parsed = parse_feed(content, url=uri, source=source, now=now)
        # Guids are only unique within a feed: the items are the feed's, named by its title
        # (the file's name when it has none), so that two saved feeds that both number their
        # items from 1 are two sets of articles, and the same file read again is the same.
        name = source or parsed.feed_title or path.name
        for draft in parsed.drafts:
            draft.source = draft.source or name
        result.drafts = parsed.drafts
        # A rejection names the feed (its URL) or one of its items: say which file it is in.
        result.rejected = [
            (reason, str(path) if where == uri else f"{path}: {where}")
            for reason, where in parsed.rejected
        ]
        return result
    if suffix not in JSON_SUFFIXES:
        result.rejected.append((f"unsupported file type {suffix or '(none)'}", str(path)))
        return result
    text = content.decode("utf-8", "replace")
    for where, record in _records(path, text, result):
        draft, reason = record_to_draft(record, default_source=source, now=now)
        if draft is None:
            result.rejected.append((reason, where))
            continue
        if not draft.source and draft.guid and draft.guid != draft.url:
            # An id with no source to scope it is only unique within its export: two exports
            # that both start at id 1 must not overwrite each other's articles.
            draft.guid = f"{path.name}#{draft.guid}"
        result.drafts.append(draft)
    return result


def parse_file(path: str | Path, *, source: str = "") -> list[ArticleDraft]:
    """Read a JSON, JSONL or saved feed file into drafts; skipped records are logged."""
    result = parse_file_report(path, source=source)
    for reason, where in result.rejected:
        log.warning("skipped %s: %s", where, reason)
    return result.drafts
