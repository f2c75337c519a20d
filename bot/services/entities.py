"""Who and what is in the news: extraction at ingest, lookups and trends on request."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.errors import BadInput, NotFound
from bot.models import Article
from bot.nlp.entities import Mention, extract_entities_many
from bot.nlp.entities.catalog import Catalog, Entry, alias_key
from bot.nlp.normalize import fold, strip_invisible
from bot.store import Store
from bot.store.articles import ArticleRow
from bot.store.entities import EntityRow, MentionRow

log = logging.getLogger(__name__)

NAME_MAX_CHARS = 100
_HAS_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class EntityCard:
    """What the news says about one entity."""

    entity: EntityRow
    handle: int
    other_names: list[str]
    article_count: int
    since: datetime | None
    latest: list[Article]
    related: list[tuple[EntityRow, int, int]]  # (entity, articles together, handle)


@dataclass
class EntityLookup:
    """The answer to "/entity NAME": a card, or choices when ambiguous, or suggestions."""

    query: str
    card: EntityCard | None = None
    choices: list[tuple[EntityRow, int]] = field(default_factory=list)
    suggestions: list[tuple[EntityRow, int]] = field(default_factory=list)


@dataclass
class Trend:
    """An entity mentioned more than usual in the last day."""

    entity: EntityRow
    handle: int
    recent: int
    usual_per_day: float


def _row(entry: Entry) -> EntityRow:
    return EntityRow(id=entry.id, type=entry.type, names=dict(entry.names), curated=True)


def _aliases(names: list[str]) -> list[tuple[str, str]]:
    return [(key, name) for name in dict.fromkeys(names) if (key := alias_key(name))]


def clean_name(text: str) -> str:
    """Validate a name typed by a user; raise BadInput with a helpful key otherwise."""
    name = " ".join(strip_invisible(text).split())
    if not name:
        raise BadInput("entity_usage")
    if len(name) > NAME_MAX_CHARS:
        raise BadInput("entity_too_long", limit=NAME_MAX_CHARS)
    letters = _HAS_LETTER.findall(fold(name))
    if not letters:
        raise BadInput("entity_usage")
    if len(letters) < 2:
        raise BadInput("entity_too_short")
    return name


class EntityService:
    """Extracts entities from articles and answers lookups about them."""

    def __init__(self, store: Store, clock: Clock, catalog: Catalog | None = None) -> None:
        self.store = store
        self.clock = clock
        self.catalog = catalog or Catalog.load()

    # -- at ingest ------------------------------------------------------------------------

    def prepare_many(self, rows: list[ArticleRow]) -> list[list[Mention]]:
        """The entities each article mentions, with offsets into title, subtitle and body
        joined by newlines (the tagger reads the batch at once)."""
        return extract_entities_many(
            [("\n".join([row.title, row.subtitle, row.body]), row.language) for row in rows]
        )

    def save(self, article_id: int, row: ArticleRow, mentions: list[Mention]) -> None:
        """Store the article's mentions, and the entities they name (learning new ones)."""
        entities: dict[str, tuple[EntityRow, list[str]]] = {}
        for mention in mentions:
            entry = self.catalog.get(mention.id)
            if entry is not None:
                entities.setdefault(entry.id, (_row(entry), entry.all_names()))
            else:
                names = (
                    {row.language: mention.name}
                    if row.language in ("ar", "en", "tr")
                    else {"en": mention.name}
                )
                entity, aliases = entities.setdefault(
                    mention.id,
                    (EntityRow(mention.id, mention.type, names, curated=False), [mention.name]),
                )
                aliases.append(mention.text)
        self.store.entities.save_article_entities(
            article_id,
            [(entity, _aliases(names)) for entity, names in entities.values()],
            [MentionRow(m.id, m.start, m.end, m.text) for m in mentions],
            self.clock.now(),
        )

    # -- lookups --------------------------------------------------------------------------

    def handle(self, entity: EntityRow) -> int:
        """The entity's short numeric handle for button data (stored first if it is only in the catalog)."""
        entry = self.catalog.get(entity.id)
        names = entry.all_names() if entry else list(entity.names.values())
        return self.store.entities.ensure(entity, _aliases(names), self.clock.now())

    def resolve(self, text: str) -> list[EntityRow]:
        """Entities known by this name in any script (catalog first, then names learnt from articles)."""
        name = clean_name(text)
        found: dict[str, EntityRow] = {e.id: _row(e) for e in self.catalog.resolve(name)}
        key = alias_key(name)
        for candidate in dict.fromkeys([key, alias_key(fold(name))]):
            for entity in self.store.entities.by_alias(candidate):
                found.setdefault(entity.id, entity)
        if not found and " " not in key:
            # A clitic-prefixed form of a learnt name: بغزة, وقاسم.
            from bot.nlp.entities.tokens import clitic_variants

            for variant in clitic_variants(key):
                for entity in self.store.entities.by_alias(variant):
                    found.setdefault(entity.id, entity)
        return list(found.values())

    def lookup(self, text: str) -> EntityLookup:
        """Answer "/entity NAME": a card, the choices of an ambiguous name, or suggestions."""
        name = clean_name(text)
        found = self.resolve(name)
        if len(found) == 1:
            return EntityLookup(name, card=self.card(found[0].id))
        if found:
            return EntityLookup(name, choices=[(e, self.handle(e)) for e in found[:8]])
        suggestions = [_row(e) for e in self.catalog.suggest(name, limit=5)]
        key = alias_key(name)
        if len(key) >= 3:
            seen = {e.id for e in suggestions}
            for _, entity_id in self.store.entities.aliases_starting(key[:3], limit=50):
                if entity_id not in seen and len(suggestions) < 5:
                    entity = self.store.entities.get(entity_id)
                    if entity:
                        suggestions.append(entity)
                        seen.add(entity_id)
        return EntityLookup(name, suggestions=[(e, self.handle(e)) for e in suggestions])

    def by_handle(self, handle: int) -> EntityRow:
        """The entity a button refers to."""
        entity = self.store.entities.by_handle(handle)
        if entity is None:
            raise NotFound("entity_not_found", name=str(handle))
        return entity

    def card(self, entity_id: str, latest: int = 5, related: int = 5) -> EntityCard:
        """Everything the card shows about one entity."""
        entity = self.store.entities.get(entity_id)
        if entity is None:
            entry = self.catalog.get(entity_id)
            if entry is None:
                raise NotFound("entity_not_found", name=entity_id)
            entity = _row(entry)
        handle = self.handle(entity)
        entry = self.catalog.get(entity_id)
        names = entry.all_names() if entry else []
        names += [a for a in self.store.entities.aliases(entity_id) if a not in names]
        count, since = self.store.entities.article_stats(entity_id)
        return EntityCard(
            entity=entity,
            handle=handle,
            other_names=names,
            article_count=count,
            since=since,
            latest=self.store.articles.get_many(
                self.store.entities.latest_article_ids(entity_id, latest)
            ),
            related=[
                (other, together, self.store.entities.handle(other.id))
                for other, together in self.store.entities.co_mentioned(entity_id, related)
            ],
        )

    def trending(self, limit: int = 10, baseline_days: int = 14) -> list[Trend]:
        """Entities mentioned most in the last 24 hours relative to their usual daily level."""
        now = self.clock.now()
        recent = self.store.entities.mention_counts(
            now - timedelta(days=1), now + timedelta(minutes=5)
        )
        before = self.store.entities.mention_counts(
            now - timedelta(days=1 + baseline_days), now - timedelta(days=1)
        )
        scored = []
        for entity_id, count in recent.items():
            usual = before.get(entity_id, 0) / baseline_days
            # Smoothed ratio: a name seen 5 times today and never before outranks one seen
            # every day, but one mention of a new name does not top the list.
            score = (count + 0.5) / (usual + 1.0) * min(count, 3)
            scored.append((score, count, entity_id, usual))
        scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
        entities = self.store.entities.get_many([s[2] for s in scored[:limit]])
        return [
            Trend(entities[entity_id], self.handle(entities[entity_id]), count, usual)
            for _, count, entity_id, usual in scored[:limit]
            if entity_id in entities
        ]
