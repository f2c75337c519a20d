"""Entity lookups and trends, end to end through the fake Telegram."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.i18n import t
from bot.models import ArticleDraft
from tests.harness import BotUnderTest


@pytest.mark.parametrize(
    "name", ["Netanyahu", "نتنياهو", "بنيامين نتنياهو", "Benjamin Netanyahu", "NETANYAHU"]
)
async def test_any_alias_in_any_script_gives_the_same_card(tg: BotUnderTest, name: str) -> None:
    replies = await tg.user_sends(f"/entity {name}", language_code="en")
    text = replies[0].plain_text
    assert (
        text.startswith("\u2066Benjamin Netanyahu\u2069 · person")
        or "Benjamin Netanyahu" in text.split("\n")[0]
    )
    assert "Mentioned in 1 article since" in text
    assert "حماس: الوسطاء" in text
    assert "Often mentioned with:" in text
    assert replies[0].button(t("en", "button_follow"))


async def test_a_turkish_name_typed_without_accents_gets_its_card(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/entity Gazze Seridi", language_code="tr")
    assert replies[0].plain_text.split("\n")[0] == "\u2066Gazze\u2069 · yer"  # Gaza's card


async def test_who_is_an_alias_and_cards_speak_the_chat_language(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/who Hamas", language_code="ar")
    text = replies[0].plain_text
    assert "حماس" in text.split("\n")[0] and "منظمة" in text.split("\n")[0]
    assert "ورد في 1 مقال" in text


async def test_a_name_found_by_the_tagger_has_a_card_too(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/entity حازم قاسم")
    assert "حازم قاسم" in replies[0].plain_text
    assert "person" in replies[0].plain_text.split("\n")[0]
    bare = await tg.user_sends("/entity قاسم")  # in-document propagation linked the bare surname
    assert "حازم قاسم" in bare[0].plain_text.split("\n")[0]


async def test_a_misspelling_offers_did_you_mean_buttons(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/entity Netanyahoo")
    message = replies[0]
    assert message.plain_text == t("en", "entity_did_you_mean", name="\u2066Netanyahoo\u2069")
    button = message.button("Benjamin Netanyahu")
    card = await tg.user_clicks(message, button["callback_data"])
    assert "Mentioned in 1 article since" in card[0].plain_text


async def test_an_ambiguous_name_offers_the_choices(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/entity عمان")
    labels = [b["text"] for b in replies[0].buttons]
    assert len(labels) >= 2
    assert any("Oman" in label for label in labels) and any("Amman" in label for label in labels)


async def test_the_follow_button_stores_the_intent(tg: BotUnderTest) -> None:
    card = (await tg.user_sends("/entity Hamas"))[0]
    after = await tg.user_clicks(card, card.button(t("en", "button_follow"))["callback_data"])
    assert after[0].button(t("en", "button_unfollow"))
    mysubs = await tg.user_sends("/mysubs")
    assert "Hamas" in mysubs[0].plain_text


@pytest.mark.parametrize(
    ("argument", "key", "params"),
    [
        ("", "entity_usage", {}),
        ("x", "entity_too_short", {}),
        ("\u064e\u064f\u0651", "entity_usage", {}),
        ("!!!؟؟", "entity_usage", {}),
        ("a" * 500, "entity_too_long", {"limit": 100}),
        ("\u202e\u200b", "entity_usage", {}),
    ],
)
async def test_bad_names_get_a_clear_answer(
    tg: BotUnderTest, argument: str, key: str, params: dict
) -> None:
    replies = await tg.user_sends(f"/entity {argument}")
    assert replies[0].text == t("en", key, **params)


async def test_a_common_word_is_not_taken_for_a_person(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/entity أمل")
    assert "person" not in replies[0].plain_text
    assert "Mentioned in" not in replies[0].plain_text


async def test_mixed_scripts_and_bidi_overrides_are_answered(tg: BotUnderTest) -> None:
    replies = await tg.user_sends("/entity \u202eHamas\u202c")
    assert "Hamas" in replies[0].plain_text.split("\n")[0]
    replies = await tg.user_sends("/entity Hamas حماس")
    assert replies[0].text  # a card, a suggestion or a not-found: never silence


async def test_trending_ranks_names_that_jump_today(tg: BotUnderTest) -> None:
    now = tg.clock.now()
    drafts = [
        ArticleDraft(
            title=f"Erdoğan meets Guterres in Ankara, round {i}",
            body="Turkish President Recep Tayyip Erdoğan met UN Secretary-General António Guterres in Ankara.",
            published_at=now - timedelta(hours=i + 1),
            language="en",
            source=f"Outlet {i}",
        )
        for i in range(4)
    ]
    drafts.append(
        ArticleDraft(
            title="Qatar hosts talks",
            body="Qatar hosted talks in Doha on Monday.",
            published_at=now - timedelta(days=5),
            language="en",
        )
    )
    tg.services.ingest.ingest(drafts)
    replies = await tg.user_sends("/trending")
    text = replies[0].plain_text
    assert text.startswith("In the news today")
    lines = text.split("\n")
    assert "Erdoğan" in lines[1] or "Guterres" in lines[1] or "Ankara" in lines[1]
    assert "Qatar" not in text


async def test_an_article_offers_to_follow_who_is_in_it(tg: BotUnderTest) -> None:
    article_id = tg.services.articles.latest(1)[0].id
    replies = await tg.user_sends(f"/article {article_id}")
    last = replies[-1]
    labels = [b["text"] for b in last.buttons]
    assert "🔔 حماس" in labels and len(labels) == 3
    await tg.user_clicks(last, last.button("🔔 حماس")["callback_data"])
    assert "Hamas" in (await tg.user_sends("/mysubs"))[0].plain_text
