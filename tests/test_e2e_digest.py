"""The digest's content and the schedule commands, end to end with the real digest builder."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bot.i18n import t
from bot.models import ArticleDraft
from tests.conftest_digest import fast_throttle
from tests.harness import SEED_TITLE, BotUnderTest, visible


@pytest.fixture(autouse=True)
async def quick_delivery(tg: BotUnderTest) -> None:
    """The fan-out's waits pass in no real time."""
    tg.services.delivery.throttle = fast_throttle()


async def tick(tg: BotUnderTest) -> None:
    await tg.app.bot_data["scheduler"].tick()


async def test_the_morning_digest_goes_to_who_follows_the_story_and_not_to_others(
    tg: BotUnderTest,
) -> None:
    await tg.user_sends("/subscribe حماس", chat_id=3001)
    await tg.user_sends("/subscribe sports", chat_id=3002)
    before = {chat: len(tg.fake.messages(chat)) for chat in (3001, 3002)}
    tg.clock.set(
        tg.clock.now().replace(hour=7, minute=0, second=30) + timedelta(days=1)
    )  # 07:00 UTC
    await tick(tg)
    hamas = tg.fake.messages(3001)[before[3001] :]
    assert len(hamas) == 1
    text = visible(hamas[0].plain_text)
    assert text.startswith("📰 Your digest: 1 new story since")
    assert "Following: Hamas" in text
    assert SEED_TITLE in text
    assert "بعد انتهاء المرحلة الأولى" in text  # one sentence of summary
    assert tg.fake.messages(3002)[before[3002] :] == []  # nothing new in sports: no message
    await tick(tg)  # the same slot again: never twice
    assert len(tg.fake.messages(3001)) == before[3001] + 1


async def test_digest_now_previews_what_is_new(tg: BotUnderTest) -> None:
    assert (await tg.user_sends("/digest"))[0].text == t("en", "mysubs_empty")
    await tg.user_sends("/subscribe sports")
    assert (await tg.user_sends("/digest"))[0].text == t("en", "digest_empty")
    await tg.user_sends("/subscribe نتنياهو")
    replies = await tg.user_sends("/digest")
    assert SEED_TITLE in replies[0].plain_text
    assert "Benjamin Netanyahu" in replies[0].plain_text


async def test_a_long_digest_has_a_more_button_and_excludes_what_the_chat_drops(
    tg: BotUnderTest,
) -> None:
    now = tg.clock.now()
    words = (
        "river bridge council budget harvest drought museum festival railway tunnel clinic vaccine "
        "election court harbour cargo airline strike protest treaty border refugee school teacher "
        "novel painter singer stadium league coach market bank loan inflation wheat cotton fishing"
    ).split()
    rng = random.Random(7)
    drafts = []
    for i in range(13):
        picked = rng.sample(words, 9)
        drafts.append(
            ArticleDraft(
                title=f"Solar {' '.join(picked[:3])}",
                body=f"{' '.join(picked[3:])} solar {i}.",
                language="en",
                source=f"Outlet {i}",
                published_at=now - timedelta(minutes=i),
            )
        )
    drafts.append(
        ArticleDraft(
            title="Solar football stadium",
            body="A football stadium runs on solar power.",
            language="en",
        )
    )
    tg.services.ingest.ingest(drafts)
    await tg.user_sends('/subscribe "solar"')
    await tg.user_sends("/subscribe -football")
    replies = await tg.user_sends("/digest")
    text = visible("\n".join(m.plain_text for m in replies))
    assert "13 new stories" in text
    assert "Solar football stadium" not in text
    assert text.count("Solar ") == 10
    more = replies[-1].button(t("en", "digest_more", count=3))
    rest = await tg.user_clicks(replies[-1], more["callback_data"])
    assert visible(rest[0].plain_text).count("Solar ") == 3
    assert "11. " in rest[0].plain_text


async def test_schedule_commands_change_when_the_digest_comes(tg: BotUnderTest) -> None:
    await tg.user_sends("/subscribe Gaza")
    reply = visible((await tg.user_sends("/settime 7:30 19.00"))[0].plain_text)
    assert reply == "Digest at 07:30, 19:00 (UTC), every day."
    reply = visible((await tg.user_sends("/timezone غزة"))[0].plain_text)
    assert reply.startswith("Time zone set to Asia/Gaza")
    reply = visible((await tg.user_sends("/days weekdays"))[0].plain_text)
    assert reply == "Digest at 07:30, 19:00 (Asia/Gaza), weekdays."
    reply = visible((await tg.user_sends("/pause"))[0].plain_text)
    assert reply.endswith("(paused)")
    reply = visible((await tg.user_sends("/resume"))[0].plain_text)
    assert not reply.endswith("(paused)")
    schedule = tg.services.delivery.schedule(1001)
    assert (
        schedule.times == ["07:30", "19:00"]
        and schedule.days == [0, 1, 2, 3, 4]
        and not schedule.paused
    )


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/settime", t("en", "settime_usage")),
        ("/settime 25:00", t("en", "schedule_bad_time", value="25:00")),
        ("/settime soon", t("en", "schedule_bad_time", value="soon")),
        ("/settime 1:00 2:00 3:00 4:00 5:00 6:00 7:00", t("en", "settime_too_many", limit=6)),
        ("/days", t("en", "days_usage")),
        ("/days someday", t("en", "days_usage")),
    ],
)
async def test_bad_schedule_input_gets_a_clear_answer(
    tg: BotUnderTest, command: str, expected: str
) -> None:
    assert (await tg.user_sends(command))[0].text == expected
    assert tg.services.delivery.schedule(1001) is None  # refused: no schedule made either


async def test_pausing_a_chat_that_follows_nothing_says_so(tg: BotUnderTest) -> None:
    for command in ("/pause", "/resume"):
        assert (await tg.user_sends(command))[0].text == t("en", "mysubs_empty")
    assert tg.services.delivery.schedule(1001) is None


async def test_unknown_time_zone_gets_a_friendly_answer_and_suggestions(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/timezone Gazaa")
    assert replies[0].text == t("en", "timezone_unknown", name="\u2066Gazaa\u2069")
    button = replies[0].button("Asia/Gaza")
    chosen = await tg.user_clicks(replies[0], button["callback_data"])
    assert "Asia/Gaza" in chosen[0].plain_text
    assert (await tg.user_sends("/timezone"))[0].text == t("en", "timezone_usage", zone="Asia/Gaza")


async def test_an_unknown_zone_is_repeated_short_and_isolated(tg: BotUnderTest) -> None:
    reply = (await tg.user_sends("/timezone \u202eNarnia " + "x" * 5000))[0]
    shown = reply.plain_text.split("zone ", 1)[1].split(". Try", 1)[0]
    assert shown.startswith("\u2066Narnia") and shown.endswith("…\u2069")  # no override left
    assert "\u202e" not in reply.text and len(shown) < 50


@pytest.mark.parametrize(("typed", "shown"), [("UTC+3", "UTC+3"), ("-5", "UTC-5")])
async def test_an_offset_zone_is_shown_as_typed(tg: BotUnderTest, typed: str, shown: str) -> None:
    reply = visible((await tg.user_sends(f"/timezone {typed}"))[0].plain_text)
    assert reply.startswith(f"Time zone set to {shown}")
    await tg.user_sends("/subscribe Gaza")
    assert f"Digest at 07:00 ({shown}), every day." in visible(
        (await tg.user_sends("/settings"))[0].plain_text
    )


async def test_offsets_no_zone_has_are_refused_and_a_stored_one_falls_back(
    tg: BotUnderTest,
) -> None:
    await tg.user_sends("/subscribe حماس")
    replies = await tg.user_sends("/timezone UTC-13")
    assert replies[0].text == t("en", "timezone_unknown", name="\u2066UTC-13\u2069")
    assert "UTC+14" in (await tg.user_sends("/timezone UTC+14"))[0].plain_text
    # Stored by a version that accepted it: the default zone stands in wherever it is read.
    tg.services.store.chats.set_timezone(1001, "Etc/GMT+13")
    assert "Time zone: UTC" in visible((await tg.user_sends("/settings"))[0].plain_text)
    assert (await tg.user_sends("/timezone"))[0].text == t("en", "timezone_usage", zone="UTC")
    before = len(tg.fake.messages(1001))
    tg.clock.set(tg.clock.now().replace(hour=7, minute=0, second=30) + timedelta(days=1))
    await tick(tg)
    [digest] = tg.fake.messages(1001)[before:]
    assert SEED_TITLE in digest.plain_text


async def test_settings_buttons_change_the_schedule_in_place(tg: BotUnderTest) -> None:
    await tg.user_sends("/subscribe Gaza")
    message = (await tg.user_sends("/settings"))[0]
    assert "Digest at 07:00 (UTC), every day." in visible(message.plain_text)
    await tg.user_clicks(message, message.button("07:00 + 19:00")["callback_data"])
    assert "Digest at 07:00, 19:00 (UTC), every day." in visible(message.plain_text)
    await tg.user_clicks(message, message.button(t("en", "days_weekdays"))["callback_data"])
    await tg.user_clicks(message, message.button(t("en", "button_pause"))["callback_data"])
    assert "weekdays. (paused)" in visible(message.plain_text)
    await tg.user_clicks(message, message.button("العربية")["callback_data"])
    assert "الإعدادات" in message.plain_text


async def test_a_settings_button_for_what_is_set_already_just_says_saved(
    tg: BotUnderTest,
) -> None:
    await tg.user_sends("/subscribe Gaza")
    message = (await tg.user_sends("/settings"))[0]
    for label in ("07:00", t("en", "days_all"), "English"):
        answered, sent = await tg.user_presses(message, message.button(label)["callback_data"])
        assert answered is not None and answered["text"] == t("en", "settings_saved")
        assert sent == []  # no apology: the message simply stays as it is


async def test_stop_forgets_follows_and_schedule_and_says_how_to_come_back(
    tg: BotUnderTest,
) -> None:
    await tg.user_sends("/subscribe Gaza")
    assert tg.services.delivery.schedule(1001) is not None
    assert (await tg.user_sends("/stop"))[0].text == t("en", "stop_done")
    assert tg.services.delivery.schedule(1001) is None
    assert (await tg.user_sends("/mysubs"))[0].text == t("en", "mysubs_empty")


async def test_group_schedule_is_for_admins_only(tg: BotUnderTest) -> None:
    tg.fake.add_chat(-700, "supergroup", title="Desk", admins=[7], creator=7)
    refused = await tg.user_sends("/settime 08:00", chat_id=-700, chat_type="supergroup", user_id=8)
    assert refused[0].text == t("en", "error_not_admin")
    refused = await tg.user_sends("/stop", chat_id=-700, chat_type="supergroup", user_id=8)
    assert refused[0].text == t("en", "error_not_admin")
