"""The digest's content: what is new since a chat's last digest among what it follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.i18n import pick_language
from bot.nlp.sentences import split_sentences
from bot.nlp.stories import importance
from bot.render.articles import Button
from bot.render.digest import (
    DigestBody,
    digest_body,
    digest_buttons,
    digest_chunks,
    digest_following,
    digest_header,
)
from bot.services.chats import ChatService
from bot.services.entities import EntityService
from bot.services.stories import Story, StoryService
from bot.services.subscriptions import Follow, keyword_match
from bot.store import Store

DEFAULT_WINDOW = timedelta(hours=24)
DEFAULT_MAX_STORIES = 10


@dataclass
class RankedStory:
    """A story that matches what a chat follows, with its importance."""

    story_id: int
    score: float
    matched: list[Follow]


@dataclass
class DigestEntry:
    """One story as a digest shows it, with the follows that brought it in."""

    story: Story
    sentence: str
    matched: list[Follow]


@dataclass
class DigestContent:
    """The ranked stories for one set of follows and one time window."""

    follows: tuple[Follow, ...]
    since: datetime
    until: datetime
    entries: list[RankedStory] = field(default_factory=list)


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
        self._rendered: dict[tuple, tuple[DigestContent, str, DigestBody, int]] = {}
        # Stories loaded for display, kept for the length of one build_all.
        self._entries: dict[int, tuple[Story, str]] | None = None
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

    def _compute(
        self, follows: tuple[Follow, ...], since: datetime, until: datetime
    ) -> DigestContent:
        content = DigestContent(follows, since, until)
        positive = [f for f in follows if f.kind != "exclude"]
        if not positive:
            return content
        keywords = {
            f.value: m for f in positive if f.kind == "keyword" and (m := keyword_match(f.value))
        }
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
            if article.story_id is None:
                continue
            found = by_story.setdefault(article.story_id, [])
            for kind, value in matches[article.id]:
                follow = Follow(kind, value)
                if follow not in found:
                    found.append(follow)
        # Rank from the stories table alone: only the stories shown are loaded in full.
        rows = self.store.stories.rows(sorted(by_story))
        named = self.store.entities.entity_counts(
            sorted({r.headline_article_id for r in rows.values()})
        )
        now = self.clock.now()
        for story_id, matched in by_story.items():
            row = rows.get(story_id)
            if row is None:
                continue
            score = importance(
                row.source_count or 1, row.last_at, now, named.get(row.headline_article_id, 0)
            )
            matched.sort(key=lambda f: order.get((f.kind, f.value), 99))
            content.entries.append(RankedStory(story_id, score, matched))
        content.entries.sort(key=lambda e: (-e.score, -e.story_id))
        return content

    def _entry(self, ranked: RankedStory) -> DigestEntry:
        """A ranked story loaded for display (shared by every digest built in one batch)."""
        memo = self._entries if self._entries is not None else {}
        loaded = memo.get(ranked.story_id)
        if loaded is None:
            story = self.stories.get(ranked.story_id)
            loaded = memo[ranked.story_id] = (story, one_sentence(story))
        return DigestEntry(loaded[0], loaded[1], ranked.matched)

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
        follows = tuple(
            Follow(kind, value) for kind, value, _ in self.store.subscriptions.of_chat(chat_id)
        )
        if max_stories is None:
            schedule = self.store.deliveries.schedule(chat_id)
            max_stories = schedule.max_stories if schedule else DEFAULT_MAX_STORIES
        return self._render(
            follows,
            since or until - DEFAULT_WINDOW,
            until,
            lang or self.chats.language(chat_id),
            timezone or self.chats.timezone(chat_id),
            max_stories,
            offset,
        )

    def build_all(
        self, chats: list[tuple[int, datetime | None]], until: datetime
    ) -> dict[int, Digest]:
        """Digests for many chats at once, each (chat id, since): reads in bulk, renders once per kind of chat."""
        wanted = {chat_id for chat_id, _ in chats}
        follows = self.store.subscriptions.of_chats(wanted)
        preferences = self.store.chats.preferences(wanted)
        limits = self.store.deliveries.max_stories(wanted)
        self._entries = {}
        try:
            return self._build_each(chats, until, follows, preferences, limits)
        finally:
            self._entries = None

    def _build_each(
        self,
        chats: list[tuple[int, datetime | None]],
        until: datetime,
        follows: dict[int, list[tuple[str, str]]],
        preferences: dict[int, tuple[str | None, str | None, str | None]],
        limits: dict[int, int],
    ) -> dict[int, Digest]:
        keys = {}
        for chat_id, since in chats:
            language, detected, zone = preferences.get(chat_id, (None, None, None))
            keys[chat_id] = (
                tuple(Follow(kind, value) for kind, value in follows.get(chat_id, ())),
                since or until - DEFAULT_WINDOW,
                until,
                pick_language(language, detected, default=self.chats.default_language),
                self.chats.zone_or_default(zone),
                limits.get(chat_id, DEFAULT_MAX_STORIES),
                0,
            )
        # In key order, chats that share follows come together: each content and each
        # rendering is computed once and found in the caches for the rest.
        return {
            chat_id: self._render(*keys[chat_id])
            for chat_id in sorted(keys, key=lambda c: repr(keys[c]))
        }

    def _render(
        self,
        follows: tuple[Follow, ...],
        since: datetime,
        until: datetime,
        lang: str,
        timezone: str,
        max_stories: int,
        offset: int,
    ) -> Digest:
        """One rendered digest; chats that follow the same things in one language share its stories."""
        key = (follows, since, until, lang, max_stories, offset)
        cached = self._rendered.get(key)
        if cached is None:
            content = self.content(list(follows), since, until)
            page = [
                self._entry(ranked) for ranked in content.entries[offset : offset + max_stories]
            ]
            labels = {f: f.label(lang, self.entities) for f in follows}
            cached = (
                content,
                digest_following(content, labels, lang),
                digest_body(page, offset, labels, lang),
                len(page),
            )
            if len(self._rendered) >= self._cache_size * 16:
                self._rendered.pop(next(iter(self._rendered)))
            self._rendered[key] = cached
        content, following, body, shown = cached
        if not shown:
            return Digest([], [], 0, until, len(content.entries))
        # Only the header depends on the time zone (the time since when).
        return Digest(
            chunks=digest_chunks(digest_header(content, following, lang, timezone), body),
            buttons=digest_buttons(content, offset, shown, lang),
            story_count=shown,
            covered_until=until,
            total_stories=len(content.entries),
        )
