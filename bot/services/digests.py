"""The digest's content: what is new since a chat's last digest among what it follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.nlp.sentences import split_sentences
from bot.nlp.stories import importance
from bot.render.articles import Button
from bot.services.chats import ChatService
from bot.services.entities import EntityService
from bot.services.stories import Story, StoryService
from bot.services.subscriptions import Follow, keyword_match
from bot.store import Store

DEFAULT_WINDOW = timedelta(hours=24)
DEFAULT_MAX_STORIES = 10


@dataclass
class DigestEntry:
    """One story in a digest, with the follows that brought it in."""

    story: Story
    sentence: str
    matched: list[Follow]
    score: float


@dataclass
class DigestContent:
    """The ranked stories for one set of follows and one time window."""

    follows: tuple[Follow, ...]
    since: datetime
    until: datetime
    entries: list[DigestEntry] = field(default_factory=list)


@dataclass
class Digest:
    """A digest ready to send: message chunks, buttons under the last, and what it covers."""

    chunks: list[str]
    buttons: list[list[Button]]
    story_count: int
    covered_until: datetime
    total_stories: int = 0


def one_sentence(story: Story) -> str:
    """The first sentence of the story's summary (or its headline article's)."""
    for text in (story.summary, story.headline.summary, story.headline.subtitle):
        if text:
            sentences = split_sentences(text, story.headline.language)
            if sentences:
                return sentences[0]
    return ""


class DigestService:
    """Builds digests: computed once per distinct set of follows and window, rendered per chat."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        stories: StoryService,
        entities: EntityService,
        chats: ChatService,
        cache_size: int = 256,
    ) -> None:
        self.store = store
        self.clock = clock
        self.stories = stories
        self.entities = entities
        self.chats = chats
        self._cache: dict[tuple, DigestContent] = {}
        self._cache_size = cache_size

    def content(self, follows: list[Follow], since: datetime, until: datetime) -> DigestContent:
        """Rank the stories new in (since, until] that match the follows (cached per follow set)."""
        key = (tuple(sorted((f.kind, f.value) for f in follows)), since, until)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        content = self._compute(tuple(follows), since, until)
        if len(self._cache) >= self._cache_size:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = content
        return content

    def _compute(self, follows: tuple[Follow, ...], since: datetime, until: datetime) -> DigestContent:
        content = DigestContent(follows, since, until)
        positive = [f for f in follows if f.kind != "exclude"]
        if not positive:
            return content
        keywords = {f.value: m for f in positive if f.kind == "keyword" and (m := keyword_match(f.value))}
        matches = self.store.articles.follow_matches(
            since,
            until,
            [f.value for f in positive if f.kind == "topic"],
            [f.value for f in positive if f.kind == "entity"],
            keywords,
        )
        excluded: set[int] = set()
        for follow in follows:
            if follow.kind == "exclude" and (match := keyword_match(follow.value)):
                excluded |= self.store.articles.ids_matching(match, list(matches))
        order = {(f.kind, f.value): i for i, f in enumerate(positive)}
        by_story: dict[int, list[Follow]] = {}
        for article in self.store.articles.get_many(sorted(set(matches) - excluded)):
            story_id = article.story_id or -article.id
            found = by_story.setdefault(story_id, [])
            for kind, value in matches[article.id]:
                follow = Follow(kind, value)
                if follow not in found:
                    found.append(follow)
        now = self.clock.now()
        for story_id, matched in by_story.items():
            if story_id < 0:
                continue
            story = self.stories.get(story_id)
            n_entities = len(self.store.entities.entity_ids_of_article(story.headline.id))
            score = importance(len(story.sources) or 1, story.last_at, now, n_entities)
            matched.sort(key=lambda f: order.get((f.kind, f.value), 99))
            content.entries.append(DigestEntry(story, one_sentence(story), matched, score))
        content.entries.sort(key=lambda e: (-e.score, -e.story.id))
        return content

    def build(
        self,
        chat_id: int,
        since: datetime | None,
        until: datetime,
        *,
        lang: str | None = None,
        timezone: str | None = None,
        max_stories: int | None = None,
        offset: int = 0,
    ) -> Digest:
        """The digest of one chat for (since, until], rendered in its language."""
        from bot.render.digest import render_digest

        since = since or until - DEFAULT_WINDOW
        follows = [Follow(kind, value) for kind, value, _ in self.store.subscriptions.of_chat(chat_id)]
        content = self.content(follows, since, until)
        lang = lang or self.chats.language(chat_id)
        timezone = timezone or self.chats.timezone(chat_id)
        if max_stories is None:
            schedule = self.store.deliveries.schedule(chat_id)
            max_stories = schedule.max_stories if schedule else DEFAULT_MAX_STORIES
        page = content.entries[offset : offset + max_stories]
        labels = {f: f.label(lang, self.entities) for f in follows}
        chunks, buttons = render_digest(content, page, offset, max_stories, labels, lang, timezone)
        return Digest(
            chunks=chunks if page else [],
            buttons=buttons if page else [],
            story_count=len(page),
            covered_until=until,
            total_stories=len(content.entries),
        )
