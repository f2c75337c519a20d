"""The message catalog: every key in every language, every command documented."""

from __future__ import annotations

import string

import pytest

from bot.i18n import LANGUAGES, MESSAGES, pick_language, t
from handlers.commands import COMMANDS


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_exists_in_every_language() -> None:
    keys = set(MESSAGES["en"])
    for lang in LANGUAGES:
        assert set(MESSAGES[lang]) == keys, lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_use_the_same_placeholders_and_valid_html(lang: str) -> None:
    from bot.render.telegram_html import parse

    for key, template in MESSAGES[lang].items():
        assert placeholders(template) == placeholders(MESSAGES["en"][key]), (lang, key)
        if not key.startswith("cmd_"):  # descriptions are plain text, escaped when shown
            filled = template.format(**{name: "x" for name in placeholders(template)})
            parse(filled)  # Telegram would accept it


def test_every_command_is_documented_in_every_language() -> None:
    for command in COMMANDS:
        for lang in LANGUAGES:
            assert MESSAGES[lang].get(command.help_key), (command.name, lang)
            assert len(t(lang, command.help_key)) <= 256  # setMyCommands' limit


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (("ar",), "ar"),
        (("tr-TR",), "tr"),
        (("en_US",), "en"),
        (("fr", "ar"), "ar"),
        (("fr", None), "en"),
        ((None,), "en"),
    ],
)
def test_pick_language_takes_the_first_supported(candidates: tuple, expected: str) -> None:
    assert pick_language(*candidates) == expected
