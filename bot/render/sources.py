"""News sources and their health, for admins (value -> message chunks)."""

from __future__ import annotations

from bot.i18n import t
from bot.render.articles import Reply, when
from bot.render.split import split_items
from bot.render.text import esc, isolate, truncate
from bot.store.sources import Source

HEALTH_MARKS = {"ok": "✅", "new": "🆕", "failing": "⚠️", "unhealthy": "❌", "paused": "⏸"}


def source_entry(source: Source, health: str, lang: str, timezone: str) -> str:
    """One source: number, name, state, settings, feed URL, last success and last error."""
    settings = [source.language or "?", t(lang, "source_every", minutes=source.interval_minutes)]
    if source.topics:
        settings.insert(1, ", ".join(source.topics))
    lines = [
        f"{HEALTH_MARKS.get(health, '')} <b>#{source.id} {isolate(esc(source.name))}</b> — "
        f"{t(lang, f'health_{health}')}",
        esc(" · ".join(settings)),
        esc(source.url),
        t(
            lang,
            "source_last_success",
            when=esc(when(source.last_success_at, timezone)) or t(lang, "source_never"),
        )
        + " · "
        + t(lang, "source_articles", count=source.article_count),
    ]
    if source.last_error and source.last_error_at:
        lines.append(
            t(
                lang,
                "source_last_error",
                when=esc(when(source.last_error_at, timezone)),
                error=esc(truncate(source.last_error, 200)),
            )
        )
    return "\n".join(lines)


def source_list(sources: list[tuple[Source, str]], lang: str, timezone: str) -> Reply:
    """Every source with its health, then how to change them."""
    if not sources:
        return Reply([t(lang, "sources_empty")])
    items = [t(lang, "sources_header", count=len(sources))]
    items += [source_entry(source, health, lang, timezone) for source, health in sources]
    items.append(t(lang, "sources_footer"))
    return Reply(split_items(items))


def source_added(source: Source, lang: str) -> Reply:
    """Confirm a new source."""
    return Reply(
        [t(lang, "source_added", id=source.id, name=esc(source.name), url=esc(source.url))]
    )


def source_changed(key: str, source: Source, lang: str) -> Reply:
    """Confirm a removal, pause or resume."""
    return Reply([t(lang, key, id=source.id, name=esc(source.name))])
