"""Expand a feed teaser into the article's full text with trafilatura (optional dependency)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from bot.fetch.encoding import decode_document, http_charset
from bot.fetch.http import fetch

log = logging.getLogger(__name__)

MAX_PAGE_BYTES = 3_000_000
PAGE_TIMEOUT = 20.0
EXTRACT_TIMEOUT = 10.0
MIN_CHARS = 200  # shorter than this is a cookie banner or an error page, not an article


def available() -> bool:
    """Tell whether trafilatura is installed."""
    try:
        import trafilatura  # noqa: F401
    except ImportError:
        return False
    return True


def extract_text(html: str, *, url: str | None = None) -> str | None:
    """Return the main text of an article page, or None when trafilatura finds none."""
    try:
        import trafilatura
    except ImportError:
        return None
    text = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=False,
        include_links=False,
        favor_precision=True,
        deduplicate=True,
    )
    if not text or len(text.strip()) < MIN_CHARS:
        return None
    return text.strip()


async def extract_article(
    client: httpx.AsyncClient,
    url: str,
    *,
    language: str | None = None,
    max_bytes: int = MAX_PAGE_BYTES,
    timeout: float = PAGE_TIMEOUT,  # noqa: ASYNC109 (passed on to fetch)
    **safety: Any,
) -> str | None:
    """Fetch an article page and return its main text; None on any failure or without trafilatura."""
    if not available():
        return None
    result = await fetch(client, url, max_bytes=max_bytes, timeout=timeout, **safety)
    if result.status != "ok":
        log.info("full text of %s not fetched: %s", url, result.error)
        return None
    content_type = result.content_type or ""
    if not http_charset(content_type):
        # An HTML page names its charset in <meta charset=...> instead.
        meta = http_charset(result.content[:4096].decode("ascii", "ignore"))
        content_type += f"; charset={meta}" if meta else ""
    html, _ = decode_document(result.content, content_type, language)
    try:
        # Extraction is CPU-bound; a thread keeps the event loop free, the timeout bounds the wait.
        return await asyncio.wait_for(
            asyncio.to_thread(extract_text, html, url=result.final_url), EXTRACT_TIMEOUT
        )
    except TimeoutError:
        log.warning("full text extraction of %s took over %ss", url, EXTRACT_TIMEOUT)
        return None
