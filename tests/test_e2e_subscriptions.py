"""Following topics, entities and keywords, end to end through the fake Telegram."""

from __future__ import annotations

import pytest

from bot.i18n import t
from tests.harness import BotUnderTest, visible


async def test_topics_keyboard_follows_and_unfollows(tg: BotUnderTest) -> None:
    message = (await tg.user_sends("/topics"))[0]
    politics = message.button("Politics")
    await tg.user_clicks(message, politics["callback_data"])
    assert message.button("✅ Politics")  # the keyboard was edited in place
    mysubs = (await tg.user_sends("/mysubs"))[0]
    assert "topic: Politics" in visible(mysubs.plain_text)
    await tg.user_clicks(message, politics["callback_data"])
    assert message.button("Politics")
    assert (await tg.user_sends("/mysubs"))[0].text == t("en", "mysubs_empty")


async def test_topics_are_named_in_the_chat_language(tg: BotUnderTest) -> None:
    message = (await tg.user_sends("/topics", language_code="ar"))[0]
    assert message.button("السياسة")
    message = (await tg.user_sends("/topics", language_code="tr"))[0]
    assert message.button("Siyaset")


@pytest.mark.parametrize(
    ("argument", "kind", "label"),
    [
        ("politics", "topic", "Politics"),
        ("Siyaset", "topic", "Politics"),
        ("الرياضة", "topic", "Sports"),
        ("Hamas", "name", "Hamas"),
        ("نتنياهو", "name", "Benjamin Netanyahu"),
        ("Gazze", "name", "Gaza"),
        ('"ceasefire talks"', "keyword", "“ceasefire talks”"),
        ("«وقف إطلاق النار»", "keyword", "“وقف إطلاق النار”"),
        ("-football", "excluded", "−football"),
        ("solar panels", "keyword", "“solar panels”"),
    ],
)
async def test_subscribe_understands_topics_entities_keywords_and_exclusions(
    tg: BotUnderTest, argument: str, kind: str, label: str
) -> None:
    replies = await tg.user_sends(f"/subscribe {argument}")
    assert visible(replies[0].plain_text).startswith(f"You now follow {label}.")
    again = await tg.user_sends(f"/subscribe {argument}")
    assert visible(again[0].plain_text) == f"You already follow {label}."
    listing = visible((await tg.user_sends("/mysubs"))[0].plain_text)
    assert f"{kind}: {label}" in listing


async def test_unsubscribe_by_name_and_by_button(tg: BotUnderTest) -> None:
    await tg.user_sends("/subscribe Hamas")
    await tg.user_sends("/subscribe economy")
    replies = await tg.user_sends("/unsubscribe حماس")
    assert visible(replies[0].plain_text) == "You no longer follow Hamas."
    mysubs = (await tg.user_sends("/mysubs"))[0]
    await tg.user_clicks(mysubs, mysubs.button("✖ Economy")["callback_data"])
    assert mysubs.text == t("en", "mysubs_empty")  # edited in place
    assert (await tg.user_sends("/unsubscribe Hamas"))[0].text == t(
        "en", "unsubscribe_not_following"
    )


async def test_an_ambiguous_name_asks_which_to_follow(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/subscribe عمان")
    message = replies[0]
    oman = next(b for b in message.buttons if "Oman" in b["text"])
    await tg.user_clicks(message, oman["callback_data"])
    assert "name: Oman" in visible((await tg.user_sends("/mysubs"))[0].plain_text)


@pytest.mark.parametrize(
    ("argument", "key", "params"),
    [
        ("", "subscribe_usage", {}),
        ("   ", "subscribe_usage", {}),
        ("x" * 300, "subscribe_too_long", {"limit": 80}),
        ('"***"', "search_nothing_searchable", {}),
        ("-", "search_nothing_searchable", {}),
        ("\u202e\u200b", "subscribe_usage", {}),
    ],
)
async def test_bad_subscriptions_get_a_clear_answer(
    tg: BotUnderTest, argument: str, key: str, params: dict
) -> None:
    assert (await tg.user_sends(f"/subscribe {argument}"))[0].text == t("en", key, **params)


async def test_only_group_admins_change_what_a_group_follows(tg: BotUnderTest) -> None:
    tg.fake.add_chat(-500, "supergroup", title="News room", admins=[7], creator=7)
    refused = await tg.user_sends(
        "/subscribe Hamas", chat_id=-500, chat_type="supergroup", user_id=8
    )
    assert refused[0].text == t("en", "error_not_admin")
    accepted = await tg.user_sends(
        "/subscribe Hamas", chat_id=-500, chat_type="supergroup", user_id=7
    )
    assert visible(accepted[0].plain_text).startswith("You now follow Hamas.")
    listing = await tg.user_sends("/mysubs", chat_id=-500, chat_type="supergroup", user_id=8)
    assert "Hamas" in listing[0].plain_text  # anyone may look
