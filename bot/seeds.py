"""Parse seed article files (agency wire text) into ArticleDraft values.

The format, as the agency's wire text arrives:

    line 1   headline
    line 2   subtitle (the editor's summary)
    (blank)
    a short place tag (e.g. "Gazze")
    dateline "place / author / agency"
    body paragraphs
    the agency's closing subscription notice (boilerplate, dropped)

An optional front matter block between `---` lines may give `date`, `url`,
`language`, `source`, `tags`. Without a date, the file's modification time is
used and `date_source` says so.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from bot.fetch.clean import strip_markup
from bot.fetch.feeds import sane_date
from bot.fetch.files import iso_date
from bot.models import ArticleDraft
from bot.nlp.normalize import fold

# Closing notices agencies append to every story; matched on folded text.
AGENCY_NOTICES = tuple(
    fold(marker)
    for marker in (
        "الأخبار المنشورة على الصفحة الرسمية لوكالة الأناضول",
        "هي اختصار لجزء من الأخبار التي تعرض للمشتركين",
        "Anadolu Ajansı web sitesinde, AA Haber Akış Sistemi",
        "AA Haber Akış Sistemi (HAS)",
        "Only a part of the news distributed to subscribers via the Anadolu Agency News Feed",
        "Anadolu Agency website contains only a portion of the news stories",
    )
)
_DATELINE = re.compile(r"^\s*[^/\n]{1,60}(?:\s*/\s*[^/\n]{1,80}){1,3}\s*$")
_FRONT_MATTER_KEYS = {"date", "url", "language", "lang", "source", "tags", "author"}


def is_agency_notice(paragraph: str) -> bool:
    """Return True for an agency's boilerplate subscription notice."""
    folded = fold(paragraph)
    return any(marker in folded for marker in AGENCY_NOTICES)


def split_dateline(line: str) -> tuple[str, str, str] | None:
    """Split "place / author / agency" into its parts, or None when the line is not a dateline."""
    if not _DATELINE.match(line) or len(line) > 160:
        return None
    parts = [p.strip() for p in line.split("/")]
    if not all(parts):
        return None
    place, author, agency = parts[0], "/".join(parts[1:-1]) if len(parts) > 2 else "", parts[-1]
    return place, author, agency


def _front_matter(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    if not lines or lines[0].strip() != "---":
        return {}, lines
    for end in range(1, min(len(lines), 30)):
        if lines[end].strip() == "---":
            meta = {}
            for line in lines[1:end]:
                key, sep, value = line.partition(":")
                if sep and key.strip().lower() in _FRONT_MATTER_KEYS:
                    meta[key.strip().lower()] = value.strip()
            return meta, lines[end + 1 :]
    return {}, lines


def parse_seed_text(
    text: str, *, mtime: datetime | None = None, name: str = "", now: datetime | None = None
) -> ArticleDraft:
    """Parse one seed file's text into a draft; raise ValueError when there is no headline.

    A front-matter date is checked like a feed's (`sane_date`): before 1995 it is ignored,
    in the future it becomes `now`.
    """
    raw = text
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta, lines = _front_matter(text.split("\n"))
    meta = {key: " ".join(strip_markup(value).split()) for key, value in meta.items()}
    # Wire text is plain, but a file may carry tags: they are no part of a line's text (and
    # "<p>body</p>" is no "place / author / agency" dateline).
    lines = [" ".join(strip_markup(line).split()) for line in lines]
    while lines and not lines[0]:
        lines.pop(0)
    if not lines or not lines[0]:
        raise ValueError(f"{name or 'seed'}: no headline on the first line")
    title = lines[0]
    rest = lines[1:]
    subtitle = ""
    if rest and rest[0]:
        subtitle, rest = rest[0], rest[1:]
    paragraphs = [line for line in rest if line]

    location = author = source = place_tag = ""
    # The place tag and the dateline precede the body; either may be missing.
    for index, line in enumerate(paragraphs[:2]):
        parts = split_dateline(line)
        if parts:
            location, author, source = parts
            place_tag = paragraphs[0] if index == 1 else ""
            paragraphs = paragraphs[index + 1 :]
            break

    body_paragraphs = [p for p in paragraphs if not is_agency_notice(p)]
    now = now or datetime.now(UTC)
    published, date_source = sane_date(iso_date(meta.get("date", "")), now)
    if date_source == "feed":
        date_source = "article"  # the agency's own date
    elif published is None:
        published = mtime or now
        date_source = "file_mtime" if mtime else "ingest"
    tags = [t.strip() for t in meta.get("tags", "").split(",") if t.strip()]
    if place_tag and place_tag not in tags:
        tags.append(place_tag)
    return ArticleDraft(
        title=title,
        subtitle=subtitle,
        body="\n".join(body_paragraphs),
        url=meta.get("url") or None,
        source=meta.get("source") or source,
        language=meta.get("language") or meta.get("lang") or None,
        location=location,
        author=meta.get("author") or author,
        tags=tags,
        published_at=published,
        date_source=date_source,
        raw=raw,
    )


def parse_seed_file(path: Path, *, now: datetime | None = None) -> ArticleDraft:
    """Parse a seed file from disk."""
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    return parse_seed_text(
        path.read_text(encoding="utf-8-sig"), mtime=mtime, name=path.name, now=now
    )
