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
        ("solar panels", "keyword", "“solar panels”"),
    ],
)
async def test_subscribe_understands_topics_entities_and_keywords(
    tg: BotUnderTest, argument: str, kind: str, label: str
) -> None:
    replies = await tg.user_sends(f"/subscribe {argument}")
    assert visible(replies[0].plain_text).startswith(f"You now follow {label}.")
    again = await tg.user_sends(f"/subscribe {argument}")
    assert visible(again[0].plain_text) == f"You already follow {label}."
    listing = visible((await tg.user_sends("/mysubs"))[0].plain_text)
    assert f"{kind}: {label}" in listing


async def test_subscribe_to_a_minus_word_leaves_it_out(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/subscribe -football")
    assert visible(replies[0].plain_text) == t("en", "excluded", name="“football”")
    again = await tg.user_sends("/subscribe -football")
    assert visible(again[0].plain_text) == t("en", "already_excluded", name="“football”")
    assert "excluded: −football" in visible((await tg.user_sends("/mysubs"))[0].plain_text)


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
        ('"***"', "subscribe_usage", {}),
        ('""', "subscribe_usage", {}),
        ("-", "subscribe_usage", {}),
        ("*", "subscribe_usage", {}),
        ("😀", "subscribe_usage", {}),
        ("\u202e\u200b", "subscribe_usage", {}),
    ],
)
async def test_bad_subscriptions_get_a_clear_answer(
    tg: BotUnderTest, argument: str, key: str, params: dict
) -> None:
    assert (await tg.user_sends(f"/subscribe {argument}"))[0].text == t("en", key, **params)


@pytest.mark.parametrize("argument", ["", '""', "😀"])
async def test_unsubscribe_from_nothing_says_how(tg: BotUnderTest, argument: str) -> None:
    await tg.user_sends("/subscribe Hamas")
    assert (await tg.user_sends(f"/unsubscribe {argument}"))[0].text == t("en", "unsubscribe_usage")


async def test_a_chat_at_the_follow_limit_still_lists_and_removes_its_follows(
    tg: BotUnderTest,
) -> None:
    for n in range(50):
        phrase = f"{n:02d} " + "لإسرائيل واشنطن " * 6  # near the longest keyword allowed
        reply = await tg.user_sends(f'/subscribe "{phrase[:78]}"')
        assert "follow" in reply[0].plain_text
    listing = await tg.user_sends("/mysubs")
    assert len(listing) == 1  # the fake refuses a message over 4,096 characters
    assert len(listing[0].buttons) == 50
    _, sent = await tg.user_presses(listing[0], listing[0].buttons[0]["callback_data"])
    assert sent == [] and len(listing[0].buttons) == 49  # edited in place


async def test_a_refused_or_stale_button_answers_the_press_not_the_group(
    tg: BotUnderTest,
) -> None:
    tg.fake.add_chat(-500, "supergroup", title="News room", admins=[7], creator=7)
    await tg.user_sends("/subscribe Hamas", chat_id=-500, chat_type="supergroup", user_id=7)
    listing = (await tg.user_sends("/mysubs", chat_id=-500, chat_type="supergroup", user_id=7))[0]
    remove = listing.buttons[0]["callback_data"]
    answered, sent = await tg.user_presses(listing, remove, user_id=8)
    assert answered == {
        "callback_query_id": answered["callback_query_id"],
        "text": t("en", "error_not_admin"),
        "show_alert": True,
    }
    assert sent == []  # nothing posted for the whole group to read
    older = (await tg.user_sends("/mysubs", chat_id=-500, chat_type="supergroup", user_id=7))[0]
    await tg.user_presses(listing, remove, user_id=7)
    answered, sent = await tg.user_presses(older, remove, user_id=7)  # a button gone stale
    assert answered is not None and answered["text"] == t("en", "unsubscribe_not_following")
    assert sent == []


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
