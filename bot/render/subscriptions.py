"""Topics, subscriptions and their buttons as Telegram HTML."""

from __future__ import annotations

from bot.i18n import t
from bot.nlp.topics import all_topics
from bot.render.articles import Button, Reply
from bot.render.text import esc, isolate, truncate

# A follow's name as /mysubs lists it: the longest (80 characters) made short enough that
# the most follows a chat may have (50) fit in one message, which its remove buttons edit.
LISTED_CHARS = 56


def topics(following: set[str], lang: str) -> Reply:
    """Every topic with a button to follow or unfollow it."""
    rows: list[list[Button]] = []
    row: list[Button] = []
    for topic in all_topics():
        mark = "✅ " if topic.id in following else ""
        row.append(
            Button(f"{mark}{topic.names.get(lang) or topic.names['en']}", data=f"tp:{topic.id}")
        )
        if len(row) == 2:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return Reply([t(lang, "topics_header")], rows)


def followed(label: str, added: bool, lang: str, excluded: bool = False) -> Reply:
    """The answer to /subscribe (`excluded`: to /subscribe -word, which follows nothing)."""
    if excluded:
        key = "excluded" if added else "already_excluded"
    else:
        key = "subscribed" if added else "already_subscribed"
    return Reply([t(lang, key, name=isolate(esc(label)))])


def unfollowed(label: str, lang: str) -> Reply:
    """The answer to /unsubscribe."""
    return Reply([t(lang, "unsubscribed", name=isolate(esc(label)))])


def my_subscriptions(items: list[tuple[str, str, int]], lang: str) -> Reply:
    """What a chat follows, each with a remove button. Items: (kind, label, ref)."""
    if not items:
        return Reply([t(lang, "mysubs_empty")])
    lines = [t(lang, "mysubs_header")]
    for kind, label, _ in items:
        lines.append(f"• {t(lang, f'kind_{kind}')}: {isolate(esc(truncate(label, LISTED_CHARS)))}")
    buttons = [[Button(f"✖ {label}"[:60], data=f"un:{ref}")] for _, label, ref in items]
    return Reply(["\n".join(lines)], buttons)


def ambiguous(query: str, choices: list[tuple[str, int]], lang: str) -> Reply:
    """A name with several meanings: pick one to follow."""
    return Reply(
        [t(lang, "entity_choose", name=isolate(esc(query)))],
        [[Button(name[:60], data=f"fe:{handle}")] for name, handle in choices],
    )
