"""Issue 2's commands and bad inputs, played as a user through the fake Telegram."""

from __future__ import annotations

import logging

import pytest

from bot.i18n import t
from bot.models import ArticleDraft
from bot.render.telegram_html import parse, utf16_len
from handlers.commands import COMMANDS
from tests.harness import SEED_TITLE, BotUnderTest

AGENCY_NOTICE = "الأخبار المنشورة على الصفحة الرسمية لوكالة الأناضول"


def seed_id(tg: BotUnderTest) -> int:
    return tg.services.articles.latest(1)[0].id


@pytest.mark.parametrize(
    ("language_code", "expected"),
    [("ar", "موجز"), ("en", "Mojaz"), ("tr", "haberleri kısaca"), ("fr", "Mojaz")],
)
async def test_start_welcomes_in_the_users_language(
    tg: BotUnderTest, language_code: str, expected: str
) -> None:
    replies = await tg.user_sends("/start", language_code=language_code)
    assert expected in replies[0].text
    assert "/latest" in replies[0].text


async def test_help_lists_every_command_and_menus_are_registered(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/help")
    text = "\n".join(m.plain_text for m in replies)
    public = [c for c in COMMANDS if not c.admin]  # admin commands: tests/test_e2e_admin.py
    for command in public:
        assert f"/{command.name}" in text
        assert t("en", command.help_key) in text
    for lang in ("ar", "en", "tr"):
        names = [c["command"] for c in tg.fake.commands(language_code=lang)]
        assert names == [c.name for c in public]
        assert tg.fake.commands(language_code=lang)[0]["description"] == t(lang, public[0].help_key)


async def test_lang_switches_the_chat_language(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/lang ar")
    assert replies[0].text == t("ar", "lang_set")
    replies = await tg.user_sends("/help", language_code="en")
    assert t("ar", "help_header") in replies[0].text
    for bad in ("/lang", "/lang fr", "/lang ar en"):
        replies = await tg.user_sends(bad)
        assert replies[0].text == t("ar", "lang_usage")


async def test_only_group_admins_change_a_groups_language(tg: BotUnderTest) -> None:
    tg.fake.add_chat(-500, "supergroup", title="News room", admins=[7], creator=7)
    refused = await tg.user_sends("/lang ar", chat_id=-500, chat_type="supergroup", user_id=8)
    assert refused[0].text == t("en", "error_not_admin")
    done = await tg.user_sends("/lang ar", chat_id=-500, chat_type="supergroup", user_id=7)
    assert done[0].text == t("ar", "lang_set")


async def test_latest_lists_with_source_time_and_open_button(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/latest 3")
    message = replies[0]
    assert SEED_TITLE in message.text
    assert "الأناضول" in message.text
    assert f"/article {seed_id(tg)}" in message.text
    opened = await tg.user_clicks(message, f"art:{seed_id(tg)}")
    assert SEED_TITLE in opened[0].text


async def test_a_title_as_long_as_an_article_keeps_listings_whole(tg: BotUnderTest) -> None:
    title = "غزة " * 1500  # a feed that puts its whole text in <title>
    body = "قال مسؤولون إن قافلة المساعدات وصلت إلى غزة صباح اليوم بعد انتظار طويل."
    report = tg.services.ingest.ingest([ArticleDraft(title=title, body=body)])
    listing = await tg.user_sends("/latest 2")
    assert len(listing) == 1 and SEED_TITLE in listing[0].text
    article_id = report.added[0]
    summary = await tg.user_sends(f"/summary {article_id}")
    assert len(summary) == 1 and "قافلة المساعدات" in summary[0].text


@pytest.mark.parametrize("argument", ["abc", "-3", "0", "99999", "21", "1 2", "3.5", "٣٣"])
async def test_latest_rejects_bad_counts_with_a_clear_answer(
    tg: BotUnderTest, argument: str
) -> None:
    replies = await tg.user_sends(f"/latest {argument}")
    assert replies[0].text == t("en", "bad_number", maximum=20)


async def test_latest_accepts_arabic_indic_digits(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/latest ٣")
    assert SEED_TITLE in replies[0].text


async def test_article_shows_the_body_without_the_agency_notice(tg: BotUnderTest) -> None:
    replies = await tg.user_sends(f"/article {seed_id(tg)}")
    text = "\n".join(m.text for m in replies)
    assert SEED_TITLE in text
    assert "صرح حازم قاسم" in text
    assert "استئناف حرب الإبادة الجماعية" in text
    assert AGENCY_NOTICE not in text
    for message in replies:  # every part is what Telegram accepts
        assert utf16_len(parse(message.text).text) <= 4096


async def test_a_long_article_is_split_into_messages_telegram_accepts(tg: BotUnderTest) -> None:
    from bot.models import ArticleDraft

    paragraph = "وقال المتحدث إن المفاوضات مستمرة، وإن الوسطاء يواصلون اتصالاتهم. " * 12
    report = tg.services.ingest.ingest(
        [ArticleDraft(title="مقال طويل جدا", body="\n".join([paragraph] * 30))]
    )
    replies = await tg.user_sends(f"/article {report.added[0]}")
    assert len(replies) > 3
    for message in replies:
        assert utf16_len(parse(message.text).text) <= 4096
    assert "مقال طويل جدا" in replies[0].text


@pytest.mark.parametrize(
    ("command", "key", "params"),
    [
        ("/article", "article_usage", {}),
        ("/article abc", "article_usage", {}),
        ("/article 1 2", "article_usage", {}),
        ("/article ፩", "article_usage", {}),  # a digit to str.isdigit, not to int()
        ("/article 424242", "article_not_found", {"id": 424242}),
        ("/search", "search_usage", {}),
        ("/search    ", "search_usage", {}),
        ("/search ...!!!؟،", "search_nothing_searchable", {}),
        ("/search \u064e\u064f\u0651", "search_nothing_searchable", {}),
        ("/search \u202e\u200b\u2066", "search_nothing_searchable", {}),
        ("/search " + "غزة " * 1250, "search_too_long", {"limit": 500}),
    ],
)
async def test_bad_arguments_get_a_clear_answer(
    tg: BotUnderTest, command: str, key: str, params: dict
) -> None:
    replies = await tg.user_sends(command)
    assert len(replies) == 1
    assert replies[0].text == t("en", key, **params)


async def test_search_finds_the_seed_and_highlights_the_match(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/search حماس")
    message = replies[0]
    assert SEED_TITLE in message.text
    assert "<b>حماس</b>" in message.text
    assert any(b.get("callback_data") == f"art:{seed_id(tg)}" for b in message.buttons)


async def test_a_bidi_override_in_a_query_cannot_reverse_the_answer(tg: BotUnderTest) -> None:
    for query in ("\u202eحماس", "\u202exyzzy"):
        reply = (await tg.user_sends(f"/search {query}"))[0]
        assert "\u202e" not in reply.text


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "(",
        ")",
        "NEAR",
        "AND",
        "OR NOT",
        "title:x",
        "^",
        'حماس"',
        "حماس*",
        "(حماس",
        "NEAR(حماس",
        "حماس AND",
        "body:حماس",
        "^حماس",
        "\u202eحماس\u202c",
        "حما\u200bس",
    ],
)
async def test_fts_syntax_in_a_query_never_breaks_search(tg: BotUnderTest, query: str) -> None:
    replies = await tg.user_sends(f"/search {query}")
    assert len(replies) == 1
    text = replies[0].text
    assert text != t("en", "error_generic")
    if "حما" in query and "body" not in query:  # "body:" is a word here, not a column
        assert SEED_TITLE in text


async def test_search_pages_through_results_with_buttons(tg: BotUnderTest) -> None:
    from bot.models import ArticleDraft

    drafts = [
        ArticleDraft(title=f"Ceasefire talks update {i}", body="Mediators met in Cairo.")
        for i in range(12)
    ]
    tg.services.ingest.ingest(drafts)
    first = (await tg.user_sends("/search ceasefire"))[-1]
    assert "(12)" in first.text and "Page 1 of 3" in first.text
    next_button = [b for b in first.buttons if b["text"] == t("en", "button_next")][0]
    second = (await tg.user_clicks(first, next_button["callback_data"]))[-1]
    assert "Page 2 of 3" in second.text
    assert "6. " in second.text


async def test_plain_text_in_a_private_chat_searches(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("نتنياهو")
    assert SEED_TITLE in replies[0].text


async def test_unknown_commands_other_bots_and_stickers(tg: BotUnderTest) -> None:
    assert (await tg.user_sends("/nosuchcommand"))[0].text == t("en", "unknown_command")
    assert await tg.user_sends("/latest@otherbot", chat_id=-100, chat_type="group") == []
    ours = await tg.user_sends("/latest@mojaz_bot", chat_id=-100, chat_type="group")
    assert SEED_TITLE in ours[0].text
    before = len(tg.fake.messages(1001))
    update_id = tg.fake.user_sends_sticker(chat_id=1001)
    await tg.processed(update_id)
    assert tg.fake.messages(1001)[before].text == t("en", "no_text")


async def test_a_failing_handler_apologises_and_logs_the_traceback(
    tg: BotUnderTest, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(count: int = 5) -> list:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(tg.services.articles, "latest", broken)
    with caplog.at_level(logging.ERROR):
        replies = await tg.user_sends("/latest")
    assert replies[0].text == t("en", "error_generic")
    assert "database on fire" in caplog.text
    assert tg.fake.token not in caplog.text
