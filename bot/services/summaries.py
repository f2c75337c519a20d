"""Summaries on request: of an article, of a topic or entity's day, of the whole day."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from bot.clock import Clock
from bot.errors import BadInput
from bot.models import Article
from bot.nlp.query import parse_query, to_match
from bot.nlp.summarize import summarize
from bot.nlp.topics import topic_name
from bot.services.entities import EntityService, clean_name
from bot.services.stories import Story, StoryService
from bot.services.subscriptions import find_topic
from bot.store import Store

WINDOW = timedelta(hours=24)
TOP_STORIES = 5
LONG_SENTENCES = 4


@dataclass
class TopicSummary:
    """The top stories of the last day about one topic, entity or keyword."""

    label: str
    stories: list[Story]


class SummaryService:
    """Answers /summary and /brief."""

    def __init__(
        self, store: Store, clock: Clock, stories: StoryService, entities: EntityService
    ) -> None:
        self.store = store
        self.clock = clock
        self.stories = stories
        self.entities = entities

    def of_article(self, article: Article, long: bool = False) -> str | None:
        """The stored summary, or a longer one (3 to 5 sentences) computed on request."""
        if not long:
            return article.summary or None
        return summarize(
            article.title,
            article.body,
            article.language,
            subtitle=article.subtitle,
            sentences=LONG_SENTENCES,
        )

    def about(self, text: str, lang: str) -> TopicSummary:
        """Top stories of the last 24 hours about a topic, an entity, or else the words given."""
        try:
            name = clean_name(text)
        except BadInput as error:
            if error.key == "entity_too_long":
                raise
            raise BadInput("summary_usage") from None  # no name, topic or words in it
        now = self.clock.now()
        since, until = now - WINDOW, now + timedelta(minutes=5)
        topic = find_topic(name)
        if topic:
            label, matches = (
                topic_name(topic, lang),
                self.store.articles.follow_matches(since, until, [topic], [], {}),
            )
        else:
            found = self.entities.resolve(name)
            if found:
                entity = found[0]
                label = entity.name(lang)
                matches = self.store.articles.follow_matches(
                    since, until, [], [e.id for e in found], {}
                )
            else:
                match = to_match(parse_query(name))
                if match is None:
                    raise BadInput("summary_usage")
                label, matches = (
                    name,
                    self.store.articles.follow_matches(since, until, [], [], {name: match}),
                )
        stories = self.stories.rank(self.stories.of_articles(set(matches)), TOP_STORIES)
        return TopicSummary(label, [self.localized(s, lang) for s in stories])

    def brief(self, lang: str) -> list[Story]:
        """The top stories of the last 24 hours, headlined in `lang` where a story has it."""
        return [self.localized(s, lang) for s in self.stories.top(WINDOW, TOP_STORIES)]

    @staticmethod
    def localized(story: Story, lang: str) -> Story:
        """The story headlined by its article in `lang`, when it has one."""
        if story.headline.language == lang:
            return story
        for article in story.articles:
            if article.language == lang:
                return replace(story, headline=article, summary=article.summary or story.summary)
        return story
