"""Summaries, stories and briefs, end to end through the fake Telegram."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.i18n import t
from bot.models import ArticleDraft
from tests.harness import BotUnderTest, visible

SEED_SUBTITLE = "بعد انتهاء المرحلة الأولى من اتفاق وقف إطلاق النار الذي تنصل منه رئيس الوزراء الإسرائيلي بنيامين نتنياهو"
WIRE = (
    "The Saudi cabinet approved on Monday a new system for the protection of whistleblowers. "
    "The system sets penalties for retaliation against employees who report corruption. "
    "Minister of Media said the decision aims to strengthen integrity in public agencies. "
    "The cabinet also approved agreements with several countries on trade and investment."
)


def seed_id(tg: BotUnderTest) -> int:
    return tg.services.articles.latest(1)[0].id


async def test_summary_of_the_seed_is_the_editors_summary(tg: BotUnderTest) -> None:
    replies = await tg.user_sends(f"/summary {seed_id(tg)}")
    text = replies[0].plain_text
    assert SEED_SUBTITLE in text
    assert "الأناضول" not in text.replace("الأناضول ·", "")  # only the byline names the agency


async def test_long_summary_gives_several_whole_sentences(tg: BotUnderTest) -> None:
    replies = await tg.user_sends(f"/summary {seed_id(tg)} long")
    body = replies[0].plain_text.split("\n\n")[1]
    assert body.startswith("\u2067" + SEED_SUBTITLE) or SEED_SUBTITLE in body
    assert body.rstrip("\u2069").endswith((".", "؟", "!", '"', "»"))
    assert len(body) > len(SEED_SUBTITLE) + 20
    assert "الاشتراك لدى الوكالة" not in body


async def test_reply_summary_to_a_bot_message_about_an_article(tg: BotUnderTest) -> None:
    listing = (await tg.user_sends("/latest 1"))[0]
    replies = await tg.user_sends("/summary", reply_to_message_id=listing.message_id)
    assert SEED_SUBTITLE in replies[0].plain_text


async def test_summary_button_on_listings(tg: BotUnderTest) -> None:
    listing = (await tg.user_sends("/latest 1"))[0]
    button = listing.button(t("en", "button_summary", id=seed_id(tg)))
    replies = await tg.user_clicks(listing, button["callback_data"])
    assert SEED_SUBTITLE in replies[0].plain_text


async def test_reply_summary_to_the_article_itself(tg: BotUnderTest) -> None:
    article = (await tg.user_sends(f"/article {seed_id(tg)}"))[-1]  # ends "Article #N"
    replies = await tg.user_sends("/summary", reply_to_message_id=article.message_id)
    assert SEED_SUBTITLE in replies[0].plain_text


async def test_reply_summary_to_the_users_own_message_is_no_article(tg: BotUnderTest) -> None:
    await tg.user_sends("/article 100000000000000000000000000")
    own = max(tg.fake.chat(1001).user_messages)  # the message just sent
    replies = await tg.user_sends("/summary", reply_to_message_id=own)
    assert replies[0].text == t("en", "summary_usage")


@pytest.mark.parametrize(
    ("command", "key"),
    [
        ("/summary", "summary_usage"),
        ("/summary ፩", "summary_usage"),
        ("/summary -1", "summary_usage"),
        ("/summary 1.5", "summary_usage"),
        ("/summary 1000000000000000000000000000000", "summary_usage"),
        ('/summary ""', "summary_usage"),
        ("/summary 😀", "summary_usage"),
        ("/summary (", "summary_usage"),
        ("/story", "story_usage"),
        ("/story abc", "story_usage"),
        ("/story ፩", "story_usage"),
    ],
)
async def test_bad_summary_and_story_arguments(tg: BotUnderTest, command: str, key: str) -> None:
    assert (await tg.user_sends(command))[0].text == t("en", key)


async def test_unknown_ids(tg: BotUnderTest) -> None:
    assert (await tg.user_sends("/summary 9999"))[0].text == t("en", "article_not_found", id=9999)
    assert (await tg.user_sends("/story 9999"))[0].text == t("en", "story_not_found", id=9999)


async def test_an_article_without_sentences_says_no_summary(tg: BotUnderTest) -> None:
    report = tg.services.ingest.ingest([ArticleDraft(title="عاجل", body="")])
    replies = await tg.user_sends(f"/summary {report.added[0]}")
    assert t("en", "summary_unavailable") in replies[0].plain_text


async def test_a_wire_story_from_three_outlets_is_one_story(tg: BotUnderTest) -> None:
    now = tg.clock.now()
    drafts = [
        ArticleDraft(
            title=f"Cabinet approves whistleblower protection system{suffix}",
            body=WIRE,
            source=source,
            language="en",
            url=f"https://{source.lower()}.example/cabinet",
            published_at=now - timedelta(hours=hours),
        )
        for source, suffix, hours in (
            ("SPA", "", 3),
            ("Okaz", " - Okaz", 2),
            ("Sabq", " (Sabq)", 1),
        )
    ]
    report = tg.services.ingest.ingest(drafts)
    stories = {tg.services.articles.get(i).story_id for i in report.added}
    assert len(stories) == 1
    story_id = stories.pop()
    listing = (await tg.user_sends("/latest 3"))[0].plain_text
    assert "+2 sources" in listing
    story = (await tg.user_sends(f"/story {story_id}"))[0].plain_text
    assert "3 articles from 3 sources" in story
    for source in ("SPA", "Okaz", "Sabq"):
        assert source in story
    brief = (await tg.user_sends("/brief"))[0].plain_text
    assert "Cabinet approves whistleblower protection system" in brief
    assert "+2 sources" in brief


async def test_summary_of_a_topic_or_entity(tg: BotUnderTest) -> None:
    now = tg.clock.now()
    tg.services.ingest.ingest(
        [
            ArticleDraft(
                title="Netanyahu rejects second phase of Gaza ceasefire",
                body="Israeli Prime Minister Benjamin Netanyahu rejected talks on the second phase. "
                "Hamas said mediators were still working.",
                language="en",
                source="Wire",
                published_at=now - timedelta(hours=2),
            )
        ]
    )
    for query in ("Netanyahu", "نتنياهو"):
        text = visible((await tg.user_sends(f"/summary {query}"))[0].plain_text)
        assert "Benjamin Netanyahu: the last 24 hours" in text
        assert "Netanyahu rejects second phase" in text
    empty = (await tg.user_sends("/summary Zelensky"))[0].plain_text
    assert "Nothing about" in empty
