"""Entity cards, choices, suggestions and trends as Telegram HTML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.i18n import t
from bot.render.articles import Button, Reply, headline, when
from bot.render.split import split_items
from bot.render.text import esc, isolate

if TYPE_CHECKING:
    from bot.services.entities import EntityCard, EntityLookup, Trend
    from bot.store.entities import EntityRow

MAX_OTHER_NAMES = 8


def type_label(entity: EntityRow, lang: str) -> str:
    """ "person", "organisation", "place" in the chat's language."""
    return (
        t(lang, f"entity_type_{entity.type}")
        if entity.type in ("person", "organization", "place")
        else t(lang, "entity_type_other")
    )


def card(item: EntityCard, lang: str, timezone: str, following: bool) -> Reply:
    """What the news says about one entity."""
    entity = item.entity
    name = entity.name(lang)
    parts = [f"<b>{isolate(esc(name))}</b> · {type_label(entity, lang)}"]
    others = [n for n in item.other_names if n != name][:MAX_OTHER_NAMES]
    if others:
        parts.append(
            t(
                lang,
                "entity_also",
                names=t(lang, "list_separator").join(isolate(esc(n)) for n in others),
            )
        )
    if item.article_count:
        parts.append(
            t(lang, "entity_count", count=item.article_count, since=esc(when(item.since, timezone)))
        )
        latest = [f"• {headline(a.title)} · /article {a.id}" for a in item.latest]
        parts.append(t(lang, "entity_latest") + "\n" + "\n".join(latest))
    else:
        parts.append(t(lang, "entity_no_articles"))
    if item.related:
        related = t(lang, "list_separator").join(
            f"{isolate(esc(e.name(lang)))} ({n})" for e, n, _ in item.related
        )
        parts.append(t(lang, "entity_related", names=related))
    follow = (
        Button(t(lang, "button_unfollow"), data=f"ufe:{item.handle}")
        if following
        else Button(t(lang, "button_follow"), data=f"fe:{item.handle}")
    )
    buttons = [[follow]]
    if item.related:
        buttons.append(
            [Button(e.name(lang)[:40], data=f"ent:{handle}") for e, _, handle in item.related[:3]]
        )
    return Reply(split_items(parts), buttons)


def choices(lookup: EntityLookup, lang: str) -> Reply:
    """An ambiguous name: one button per entity it may mean."""
    text = t(lang, "entity_choose", name=isolate(esc(lookup.query)))
    buttons = [
        [Button(f"{e.name(lang)} · {type_label(e, lang)}"[:60], data=f"ent:{handle}")]
        for e, handle in lookup.choices
    ]
    return Reply([text], buttons)


def suggestions(lookup: EntityLookup, lang: str) -> Reply:
    """No such name: "did you mean ...?" buttons, or a plain not-found."""
    if not lookup.suggestions:
        return Reply([t(lang, "entity_not_found", name=isolate(esc(lookup.query)))])
    text = t(lang, "entity_did_you_mean", name=isolate(esc(lookup.query)))
    buttons = [
        [Button(e.name(lang)[:60], data=f"ent:{handle}")] for e, handle in lookup.suggestions
    ]
    return Reply([text], buttons)


def trending(trends: list[Trend], lang: str) -> Reply:
    """The entities in the news today more than usual."""
    if not trends:
        return Reply([t(lang, "trending_empty")])
    lines = [t(lang, "trending_header")]
    for number, trend in enumerate(trends, 1):
        usual = f"{trend.usual_per_day:.1f}"
        lines.append(
            f"{number}. <b>{isolate(esc(trend.entity.name(lang)))}</b> · "
            + t(lang, "trending_counts", count=trend.recent, usual=usual)
        )
    buttons = [
        [
            Button(trend.entity.name(lang)[:30], data=f"ent:{trend.handle}")
            for trend in trends[i : i + 2]
        ]
        for i in range(0, min(len(trends), 6), 2)
    ]
    return Reply(split_items(["\n".join(lines)]), buttons)
