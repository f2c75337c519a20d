"""What a chat follows: topics, entities and keywords, and the words it excludes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.errors import BadInput, NotFound
from bot.nlp.normalize import fold, strip_invisible
from bot.nlp.query import parse_query, to_match
from bot.nlp.topics import all_topics, topic_name
from bot.services.entities import EntityService
from bot.store import Store

KEYWORD_MAX_CHARS = 80
MAX_FOLLOWS = 50
_QUOTES = {'"': '"', "«": "»", "“": "”", "'": "'"}


@dataclass(frozen=True)
class Follow:
    """One thing a chat follows (or, for kind "exclude", filters out)."""

    kind: str  # topic | entity | keyword | exclude
    value: str  # topic id, entity id, or the keyword as typed
    ref: int = field(default=0, compare=False)  # its row, for remove buttons

    def label(self, lang: str, entities: EntityService) -> str:
        """How to show it to a reader."""
        if self.kind == "topic":
            return topic_name(self.value, lang)
        if self.kind == "entity":
            entity = entities.store.entities.get(self.value)
            return entity.name(lang) if entity else self.value
        return f"“{self.value}”" if self.kind == "keyword" else f"−{self.value}"


@dataclass
class Ambiguous:
    """A name that fits several entities: the user picks one."""

    query: str
    choices: list[tuple[str, int]]  # (display name, entity handle)


def find_topic(text: str) -> str | None:
    """The topic id whose id or name (in any language) is `text`."""
    wanted = fold(text.strip())
    for topic in all_topics():
        if wanted == topic.id or wanted in {fold(n) for n in topic.names.values()}:
            return topic.id
    return None


def keyword_match(keyword: str) -> str | None:
    """The FTS expression that finds a followed keyword (as a phrase), or None if nothing searchable."""
    return to_match(parse_query(f'"{keyword}"'))


class SubscriptionService:
    """Follow and unfollow; list what a chat follows."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        entities: EntityService,
        on_first_follow: Callable[[int], None] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.entities = entities
        # Called when a chat starts following its first thing (it then gets the morning digest).
        self.on_first_follow = on_first_follow

    def parse(self, text: str) -> Follow | Ambiguous:
        """Understand "/subscribe X": a "quoted keyword", -excluded word, topic, entity, or keyword."""
        text = " ".join(strip_invisible(text).split())
        if not text:
            raise BadInput("subscribe_usage")
        if len(text) > KEYWORD_MAX_CHARS:
            raise BadInput("subscribe_too_long", limit=KEYWORD_MAX_CHARS)
        if text.startswith("-") and len(text) > 1:
            word = text[1:].strip()
            if keyword_match(word) is None:
                raise BadInput("subscribe_usage")
            return Follow("exclude", word)
        if len(text) >= 2 and text[0] in _QUOTES and text.endswith(_QUOTES[text[0]]):
            phrase = text[1:-1].strip()
            if keyword_match(phrase) is None:
                raise BadInput("subscribe_usage")
            return Follow("keyword", phrase)
        topic = find_topic(text)
        if topic:
            return Follow("topic", topic)
        try:
            found = self.entities.resolve(text)
        except BadInput:
            found = []
        if len(found) == 1:
            return Follow("entity", found[0].id)
        if len(found) > 1:
            return Ambiguous(text, [(e.name("en"), self.entities.handle(e)) for e in found[:8]])
        if keyword_match(text) is None:
            raise BadInput("subscribe_usage")
        return Follow("keyword", text)

    def follow(self, chat_id: int, follow: Follow) -> bool:
        """Start following; return False if the chat already did."""
        existing = self.store.subscriptions.count(chat_id)
        if existing >= MAX_FOLLOWS:
            raise BadInput("subscribe_too_many", limit=MAX_FOLLOWS)
        added = self.store.subscriptions.add(chat_id, follow.kind, follow.value, self.clock.now())
        if added and existing == 0 and follow.kind != "exclude" and self.on_first_follow:
            self.on_first_follow(chat_id)
        return added

    def unfollow(self, chat_id: int, follow: Follow) -> None:
        """Stop following; raise NotFound if the chat did not follow it."""
        if not self.store.subscriptions.remove(chat_id, follow.kind, follow.value):
            raise NotFound("unsubscribe_not_following")

    def unfollow_text(self, chat_id: int, text: str) -> Follow:
        """Understand "/unsubscribe X" against what the chat follows, and stop following it."""
        follows = self.follows(chat_id)
        cleaned = " ".join(strip_invisible(text).split())
        if not cleaned:
            raise BadInput("unsubscribe_usage")
        wanted = fold(cleaned.strip("\"'«»“”"))
        for follow in follows:
            if fold(follow.value) == wanted or (
                follow.kind == "exclude" and fold("-" + follow.value) == wanted
            ):
                self.unfollow(chat_id, follow)
                return follow
        try:
            parsed = self.parse(cleaned)
        except BadInput as error:
            if error.key == "subscribe_usage":  # nothing in it that could be followed
                raise BadInput("unsubscribe_usage") from None
            raise
        if isinstance(parsed, Follow) and parsed in follows:
            self.unfollow(chat_id, parsed)
            return parsed
        raise NotFound("unsubscribe_not_following")

    def follows(self, chat_id: int) -> list[Follow]:
        """Everything a chat follows, in the order it followed."""
        return [
            Follow(kind, value, ref)
            for kind, value, ref in self.store.subscriptions.of_chat(chat_id)
        ]

    def unfollow_ref(self, chat_id: int, ref: int) -> Follow:
        """Stop following the subscription a remove button points at."""
        for follow in self.follows(chat_id):
            if follow.ref == ref:
                self.unfollow(chat_id, follow)
                return follow
        raise NotFound("unsubscribe_not_following")

    def toggle_topic(self, chat_id: int, topic: str) -> bool:
        """Follow a topic, or stop following it; return True when now following."""
        follow = Follow("topic", topic)
        if follow in self.follows(chat_id):
            self.unfollow(chat_id, follow)
            return False
        self.follow(chat_id, follow)
        return True

    def forget(self, chat_id: int) -> int:
        """Drop everything a chat follows; return how many."""
        return self.store.subscriptions.remove_all(chat_id)
