"""Articles and search results as Telegram HTML (value -> message chunks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.i18n import t
from bot.models import Article, SearchHit, SearchPage
from bot.render.split import split_items
from bot.render.text import esc, isolate, truncate

# A title as listings show it: news titles are far shorter, and a listing must stay a list
# whatever a feed puts in its <title> (the whole article shows it in full).
HEADLINE_CHARS = 300


def headline(title: str) -> str:
    """An article's title for a listing: cut to HEADLINE_CHARS, escaped, isolated."""
    return isolate(esc(truncate(title, HEADLINE_CHARS)))


@dataclass
class Button:
    """An inline button: a label and either callback data or a URL."""

    label: str
    data: str | None = None
    url: str | None = None


@dataclass
class Reply:
    """One or more messages to send, the buttons going under the last one."""

    chunks: list[str]
    buttons: list[list[Button]] = field(default_factory=list)


def when(moment: datetime | None, timezone: str) -> str:
    """Format a time in the chat's time zone, e.g. '06.03.2025 14:05 EET'."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%d.%m.%Y %H:%M} {local.tzname() or ''}".strip()


def byline(article: Article, lang: str, timezone: str) -> str:
    """Source and time of an article, escaped."""
    source = esc(article.source) if article.source else t(lang, "source_unknown")
    stamp = esc(when(article.published_at, timezone))
    if article.date_source in ("file_mtime", "ingest") and stamp:
        stamp += (
            f" ({t(lang, 'article_date_from_file')})" if article.date_source == "file_mtime" else ""
        )
    return f"{source} · {stamp}" if stamp else source


def more_sources(article: Article, sources: dict[int, int], lang: str) -> str:
    """ " · +4 sources" when the article's story has other sources."""
    count = sources.get(article.id, 1) - 1
    return f" · {t(lang, 'more_sources', count=count)}" if count > 0 else ""


def article_buttons(articles: list[Article], lang: str) -> list[list[Button]]:
    """Read and Summary buttons: a row per article for short lists, Read only in rows of 3 for long ones."""
    if len(articles) <= 8:
        return [
            [
                Button(t(lang, "open_button", id=a.id), data=f"art:{a.id}"),
                Button(t(lang, "button_summary", id=a.id), data=f"sum:{a.id}"),
            ]
            for a in articles
        ]
    return [
        [Button(t(lang, "open_button", id=a.id), data=f"art:{a.id}") for a in articles[i : i + 3]]
        for i in range(0, len(articles), 3)
    ]


def latest(
    articles: list[Article], lang: str, timezone: str, sources: dict[int, int] | None = None
) -> Reply:
    """The /latest list: headline, source and time, and buttons to open or summarise each."""
    if not articles:
        return Reply([t(lang, "latest_empty")])
    sources = sources or {}
    items = [t(lang, "latest_header")]
    for number, article in enumerate(articles, 1):
        items.append(
            f"{number}. <b>{headline(article.title)}</b>\n"
            f"{byline(article, lang, timezone)}{more_sources(article, sources, lang)} · /article {article.id}"
        )
    return Reply(split_items(items), article_buttons(articles, lang))


def article(
    item: Article, lang: str, timezone: str, follow: list[tuple[str, int]] | None = None
) -> Reply:
    """A whole article, split into as many messages as it needs, with buttons to follow who is in it."""
    parts = [f"<b>{isolate(esc(item.title))}</b>"]
    if item.subtitle:
        parts.append(f"<i>{isolate(esc(item.subtitle))}</i>")
    meta = byline(item, lang, timezone)
    if item.location:
        meta = f"{esc(item.location)} · {meta}"
    if item.author:
        meta += f" · {esc(item.author)}"
    parts.append(meta)
    parts.extend(
        isolate(esc(paragraph)) for paragraph in item.body.split("\n") if paragraph.strip()
    )
    footer = t(lang, "article_footer", id=item.id)
    if item.url:
        footer = f'<a href="{esc(item.url)}">{footer}</a>'
    parts.append(footer)
    buttons = [[Button(f"🔔 {name}"[:40], data=f"fe:{handle}") for name, handle in follow or []]]
    return Reply(split_items(parts), [row for row in buttons if row])


def highlighted(hit: SearchHit) -> str:
    """The snippet with its matches in bold, everything escaped."""
    out, cursor = [], 0
    for start, end in sorted(hit.highlights):
        if start < cursor:
            continue
        out.append(esc(hit.snippet[cursor:start]))
        out.append(f"<b>{esc(hit.snippet[start:end])}</b>")
        cursor = end
    out.append(esc(hit.snippet[cursor:]))
    return "".join(out)


def search_page(
    page: SearchPage, query_id: int, lang: str, timezone: str, sources: dict[int, int] | None = None
) -> Reply:
    """A page of search results, with buttons to open each and to turn the page."""
    query = isolate(esc(page.query))
    if not page.hits:
        return Reply([t(lang, "search_no_results", query=f"<b>{query}</b>")])
    items = [t(lang, "search_header", query=query, total=page.total)]
    first = (page.page - 1) * page.page_size
    for number, hit in enumerate(page.hits, first + 1):
        items.append(
            f"{number}. <b>{headline(hit.article.title)}</b>\n"
            f"{isolate(highlighted(hit))}\n"
            f"{byline(hit.article, lang, timezone)}{more_sources(hit.article, sources or {}, lang)}"
            f" · /article {hit.article.id}"
        )
    if page.pages > 1:
        items.append(t(lang, "page_of", page=page.page, pages=page.pages))
    buttons = article_buttons([h.article for h in page.hits], lang)
    nav = []
    if page.page > 1:
        nav.append(Button(t(lang, "button_prev"), data=f"sp:{query_id}:{page.page - 1}"))
    if page.page < page.pages:
        nav.append(Button(t(lang, "button_next"), data=f"sp:{query_id}:{page.page + 1}"))
    if nav:
        buttons.append(nav)
    return Reply(split_items(items), buttons)
