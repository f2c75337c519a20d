"""The /start and /help texts, built from the command table."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import t
from bot.render.articles import Reply
from bot.render.split import split_items
from bot.render.text import esc


def help_text(commands: Sequence[tuple[str, str]], lang: str) -> Reply:
    """Every command with its one-line description in `lang`."""
    lines = [f"/{name} {esc(t(lang, key))}" for name, key in commands]
    return Reply(split_items([t(lang, "help_header"), "\n".join(lines), t(lang, "help_footer")]))


def welcome(commands: Sequence[tuple[str, str]], lang: str) -> Reply:
    """The /start greeting followed by what the bot can do."""
    lines = [f"/{name} {esc(t(lang, key))}" for name, key in commands]
    return Reply(split_items([t(lang, "welcome"), "\n".join(lines)]))
