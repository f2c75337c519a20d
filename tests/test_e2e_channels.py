"""A channel's digest, set up and managed from a private chat."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.i18n import t
from tests.conftest_digest import fast_throttle
from tests.harness import SEED_TITLE, BotUnderTest, visible

CHANNEL = -1009


@pytest.fixture(autouse=True)
async def channel(tg: BotUnderTest) -> None:
    tg.services.delivery.throttle = fast_throttle()
    tg.fake.add_chat(
        CHANNEL, "channel", title="Gaza Desk", username="gazadesk", admins=[1001], bot_is_admin=True
    )


async def test_an_admin_sets_up_a_channels_digest_from_a_private_chat(tg: BotUnderTest) -> None:
    reply = await tg.user_sends("/channel @gazadesk")
    assert reply[0].text == t("en", "channel_on", name="Gaza Desk")
    await tg.user_sends("/subscribe حماس")
    await tg.user_sends("/settime 07:30")
    assert [f.value for f in tg.services.subscriptions.follows(CHANNEL)] == ["hamas"]
    assert tg.services.subscriptions.follows(1001) == []
    assert tg.services.delivery.schedule(CHANNEL).times == ["07:30"]

    tg.clock.set(tg.clock.now().replace(hour=7, minute=30, second=10) + timedelta(days=1))
    await tg.app.bot_data["scheduler"].tick()
    delivered = tg.fake.messages(CHANNEL)
    assert len(delivered) == 1 and SEED_TITLE in visible(delivered[0].plain_text)

    assert (await tg.user_sends("/channel off"))[0].text == t("en", "channel_off")
    assert (await tg.user_sends("/mysubs"))[0].text == t("en", "mysubs_empty")


async def test_settings_of_a_managed_channel_show_the_channels_language(
    tg: BotUnderTest,
) -> None:
    await tg.user_sends("/channel @gazadesk")
    await tg.user_sends("/subscribe حماس")
    settings = (await tg.user_sends("/settings"))[0]
    await tg.user_clicks(settings, settings.button("العربية")["callback_data"])
    assert tg.services.chats.language(CHANNEL) == "ar"
    shown = t("en", "settings_language", language=t("en", "language_ar"))
    assert shown in settings.plain_text  # told in the user's English, of the channel
    answered, sent = await tg.user_presses(settings, settings.button("العربية")["callback_data"])
    assert answered["text"] == t("en", "settings_saved") and sent == []


@pytest.mark.parametrize(
    ("setup", "command", "key"),
    [
        (None, "/channel", "channel_usage"),
        (None, "/channel @nosuchchannel", "channel_not_found"),
        ("bot-not-admin", "/channel @gazadesk", "channel_bot_not_admin"),
        ("user-not-admin", "/channel @gazadesk", "channel_user_not_admin"),
        ("group", "/channel @desk", "channel_not_channel"),
    ],
)
async def test_bad_channel_setups_get_a_clear_answer(
    tg: BotUnderTest, setup: str | None, command: str, key: str
) -> None:
    if setup == "bot-not-admin":
        tg.fake.add_chat(CHANNEL, "channel", title="Gaza Desk", username="gazadesk", admins=[1001])
    elif setup == "user-not-admin":
        tg.fake.add_chat(
            CHANNEL,
            "channel",
            title="Gaza Desk",
            username="gazadesk",
            admins=[77],
            bot_is_admin=True,
        )
    elif setup == "group":
        tg.fake.add_chat(
            -55, "supergroup", title="Desk", username="desk", admins=[1001], bot_is_admin=True
        )
    assert (await tg.user_sends(command))[0].text == t("en", key)
    assert tg.services.chats.target(1001) == 1001


async def test_channels_are_set_up_from_private_chats_only(tg: BotUnderTest) -> None:
    tg.fake.add_chat(-56, "supergroup", title="Room", admins=[1001])
    reply = await tg.user_sends(
        "/channel @gazadesk", chat_id=-56, chat_type="supergroup", user_id=1001
    )
    assert reply[0].text == t("en", "channel_private_only")
