"""Parse RSS 0.9x/1.0/2.0 and Atom bytes into ArticleDrafts, rejecting what is unsound."""

from __future__ import annotations

import calendar
import hashlib
import io
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser

from bot.fetch.clean import html_to_text, one_line
from bot.fetch.encoding import as_utf8_xml, decode_document
from bot.fetch.urls import absolute_url
from bot.models import ArticleDraft

# Clocks disagree a little; beyond this a date in the future is a wrong date.
FUTURE_SKEW = timedelta(minutes=15)
# No news feed existed before this; earlier dates are placeholders (often the epoch).
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)

# An entity declared in the DTD; only single character references are let through.
_ENTITY_DECL = re.compile(r"<!ENTITY\s+(%\s*)?[^\s>]+\s*(\"[^\"]*\"|'[^']*'|[^>]*)\s*>", re.S)
_SAFE_ENTITY_VALUE = re.compile(r"^[\"'](&#[0-9]{1,7};|&#x[0-9A-Fa-f]{1,6};|[^&%<\"']{0,8})[\"']$")
_ROOT_START = re.compile(r"<[A-Za-z_]")
_ITEM_START = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]")
# More items than any news feed sends; the rest is cut to bound parse time.
MAX_ITEMS = 1000
_SUBSET_END = re.compile(r"\]\s*>")
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2}))?)?")
# Items are read with dict.get: feedparser's FeedParserDict.get maps legacy names (none of the
# keys read here) and raises and catches a KeyError inside for every missing key, which made
# these lookups a good part of the per-item cost.


@dataclass
class ParseResult:
    """Drafts from one feed document, what was rejected and why, and what the feed says of itself."""

    drafts: list[ArticleDraft] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    feed_title: str = ""
    feed_language: str | None = None
    version: str = ""  # feedparser's name for the format ("rss20", "atom10"...); "" if not a feed


def unsafe_dtd(text: str) -> str | None:
    """Return why the document's DTD is refused (entity declarations), or None.

    Entity expansion (billion laughs, quadratic blow-up) and external entities
    all need an <!ENTITY> in the prolog; refusing them before any XML parser
    runs keeps memory and time small whatever the parser would do.
    """
    root = _ROOT_START.search(text)
    prolog = text[: root.start()] if root else text
    if "<!DOCTYPE" not in prolog and "<!ENTITY" not in prolog:
        return None
    # Entity declarations sit inside the internal subset, which may contain '<'.
    doctype = prolog.find("<!DOCTYPE")
    if doctype != -1:
        bracket, close = text.find("[", doctype), text.find(">", doctype)
        if bracket != -1 and (close == -1 or bracket < close):
            end = _SUBSET_END.search(text, bracket)
            prolog = text[: end.end()] if end else text
    for match in _ENTITY_DECL.finditer(prolog):
        if match.group(1) or not _SAFE_ENTITY_VALUE.match(match.group(2).strip()):
            return (
                "entity declarations refused (possible entity-expansion or external-entity attack)"
            )
    if "<!ENTITY" in prolog and not _ENTITY_DECL.search(prolog):
        return "malformed entity declaration refused"
    return None


def language_code(value: str | None) -> str | None:
    """Return the primary language subtag, lower case ("ar-SA" -> "ar")."""
    if not value:
        return None
    code = value.strip().replace("_", "-").split("-")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


def _to_datetime(parsed: time.struct_time | None) -> datetime | None:
    """Turn feedparser's UTC struct_time into an aware datetime."""
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def impossible_iso_date(text: str | None) -> bool:
    """Tell whether text starts with an ISO 8601 date or time no calendar has (month 13, 99:99).

    feedparser rolls such a date over (2025-13-45T99:99:99Z became 2026-01-01) instead of
    refusing it.
    """
    match = _ISO_DATE.match(text or "")
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        datetime(year, month, day, hour, minute, min(second, 59))  # a leap second is a time
    except ValueError:
        return True
    return False


def _entry_stamp(entry: Any) -> time.struct_time | None:
    """An item's published time, else its updated time, as feedparser read it; a date no
    calendar has counts as none. (feedparser's own .get warns when it falls back.)"""
    for key, parsed_key in (("published", "published_parsed"), ("updated", "updated_parsed")):
        stamp = dict.get(entry, parsed_key)
        if stamp and not impossible_iso_date(dict.get(entry, key)):
            return stamp
    return None


def sane_date(value: datetime | None, now: datetime) -> tuple[datetime | None, str]:
    """Return (date, date_source): pre-1995 is missing, the far future is clamped to now."""
    if value is None or value < EARLIEST:
        return None, "ingest"
    if value > now + FUTURE_SKEW:
        return now, "ingest"
    return value, "feed"


def _content_hash(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"sha256:{digest[:32]}"


def _entry_body(entry: Any) -> tuple[str, str]:
    """Return (body, subtitle): full content when the feed has it, else the summary."""
    summary = html_to_text(dict.get(entry, "summary", ""))
    contents = [
        dict.get(c, "value", "") for c in dict.get(entry, "content", []) if dict.get(c, "value")
    ]
    content = html_to_text(max(contents, key=len)) if contents else ""
    if not content or content == summary:
        return summary, ""
    # A summary that is just the start of the body adds nothing as a subtitle.
    if content.startswith(summary.rstrip(". …")):
        return content, ""
    return content, summary


def _entry_language(entry: Any, inherited: str | None) -> str | None:
    """Return the item's own xml:lang; feedparser copies the feed's into every item."""
    for key in ("content", "summary_detail", "title_detail"):
        detail = dict.get(entry, key)
        if isinstance(detail, list):
            detail = detail[0] if detail else None
        code = language_code(dict.get(detail, "language")) if detail else None
        if code and code != inherited:
            return code
    return None


def _tags(entry: Any) -> list[str]:
    tags: list[str] = []
    for tag in dict.get(entry, "tags", []):
        term = one_line(dict.get(tag, "term") or dict.get(tag, "label") or "")
        if term and term not in tags:
            tags.append(term)
    return tags


def entry_to_draft(
    entry: Any,
    *,
    base_url: str,
    source: str,
    language: str | None,
    now: datetime,
    inherited_language: str | None = None,
) -> tuple[ArticleDraft | None, str]:
    """Build a draft from one feedparser entry; return (None, reason) when it is unusable."""
    title = one_line(dict.get(entry, "title", ""))
    body, subtitle = _entry_body(entry)
    raw_link = dict.get(entry, "link")
    if (
        dict.get(entry, "guidislink")
        and raw_link == dict.get(entry, "id")
        and "://" not in (raw_link or "")
    ):
        raw_link = None  # an opaque guid that RSS lets pass for a permalink
    link = absolute_url(raw_link, base_url)
    if not link and not title:
        return None, "no link and no title"
    if not title and not body:
        return None, "no title and no text"
    guid = (dict.get(entry, "id") or "").strip() or link or _content_hash(title, body)
    published, date_source = sane_date(_to_datetime(_entry_stamp(entry)), now)
    draft = ArticleDraft(
        title=title,
        body=body,
        subtitle=subtitle,
        url=link,
        guid=guid,
        source=source,
        language=_entry_language(entry, inherited_language) or language,
        author=one_line(dict.get(entry, "author", "")),
        tags=_tags(entry),
        published_at=published,
        date_source=date_source,
    )
    return draft, ""


def _label(entry: Any) -> str:
    """Name an item in a rejection: its title, link, guid or the start of its text."""
    for value in (entry.get("title"), entry.get("link"), entry.get("id")):
        if value and value.strip():
            return one_line(value)[:200]
    return html_to_text(entry.get("summary", ""))[:80] or "(empty item)"


def _cut_items(text: str, max_items: int) -> tuple[str, int]:
    """Cut the document before item number max_items + 1; return it and the item count.

    feedparser's cost grows with the item count, so a 5 MB feed of tiny items
    would hold a worker for minutes; the cut document is malformed on purpose
    and feedparser keeps the complete items before the cut.
    """
    starts = [m.start() for m in _ITEM_START.finditer(text)]
    if len(starts) <= max_items:
        return text, len(starts)
    return text[: starts[max_items]], len(starts)


def parse_feed(
    content: bytes,
    *,
    url: str,
    content_type: str | None = None,
    source: str = "",
    language: str | None = None,
    now: datetime | None = None,
    max_items: int = MAX_ITEMS,
) -> ParseResult:
    """Parse a feed document into drafts; unusable items go to `rejected` with a reason.

    Language per item: the item's own xml:lang, else `language` (the source's
    configured one), else the feed's declared language.
    """
    now = now or datetime.now(UTC)
    result = ParseResult()
    text, _encoding = decode_document(content, content_type, language)
    refusal = unsafe_dtd(text)
    if refusal:
        result.rejected.append((refusal, url))
        return result
    text, count = _cut_items(text, max_items)
    if count > max_items:
        result.rejected.append((f"feed has {count} items; only the first {max_items} read", url))

    # A file-like object: feedparser would open a str or bytes that looks like a path or URL.
    parsed = feedparser.parse(
        io.BytesIO(as_utf8_xml(text)),
        # No base URI: feedparser would also "resolve" opaque guids; links are resolved below.
        response_headers={"content-type": "application/xml; charset=utf-8"},
        # Output is plain text from html_to_text, never HTML: feedparser's sanitizer and
        # URI rewriting would only double the parse time.
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    feed = parsed.get("feed", {})
    result.version = parsed.get("version") or ""
    result.feed_title = one_line(feed.get("title", ""))
    xml_lang = language_code((feed.get("title_detail") or {}).get("language"))
    result.feed_language = language_code(feed.get("language")) or xml_lang
    entries = parsed.get("entries", [])
    if not entries:
        if parsed.get("bozo"):
            reason = f"malformed feed: {parsed.get('bozo_exception')}"
        elif not parsed.get("version"):
            reason = "not a feed"
        else:
            reason = "feed has no items"
        result.rejected.append((reason, url))
        return result

    fallback_language = language or result.feed_language
    seen: set[str] = set()
    for entry in entries:
        draft, reason = entry_to_draft(
            entry,
            base_url=url,
            source=source,
            language=fallback_language,
            now=now,
            inherited_language=xml_lang,
        )
        if draft is None:
            result.rejected.append((reason, _label(entry)))
            continue
        keys = {draft.guid, draft.url} - {None}
        if keys & seen:
            result.rejected.append(("duplicate item", _label(entry)))
            continue
        seen |= keys
        result.drafts.append(draft)
    return result
