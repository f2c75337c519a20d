"""The message catalog: every key in every language, every command documented."""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGES, MESSAGES, pick_language, placeholders, plural_category, t
from handlers.commands import COMMANDS


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
            for value in (0, 1, 2, 3, 11, 100):  # a number: each plural form is filled too
                parse(t(lang, key, **{name: value for name in placeholders(template)}))


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


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("en", 1, "+1 source"),
        ("en", 2, "+2 sources"),
        ("en", 0, "+0 sources"),
        ("tr", 5, "+5 kaynak"),
        ("ar", 1, "+1 مصدر"),
        ("ar", 2, "+2 مصدر"),
        ("ar", 3, "+3 مصادر"),
        ("ar", 10, "+10 مصادر"),
        ("ar", 11, "+11 مصدرًا"),
        ("ar", 100, "+100 مصدر"),
        ("ar", 103, "+103 مصادر"),
    ],
)
def test_a_word_after_a_number_takes_its_plural_form(lang: str, count: int, expected: str) -> None:
    assert t(lang, "more_sources", count=count) == expected


def test_arabic_plural_categories_follow_cldr() -> None:
    assert [plural_category("ar", n) for n in (0, 1, 2, 3, 10, 11, 99, 100, 102, 111)] == [
        "zero",
        "one",
        "two",
        "few",
        "few",
        "many",
        "many",
        "other",
        "other",
        "many",
    ]
