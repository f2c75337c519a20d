"""Stories: the same event across sources and languages, grouped at ingest."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from bot.clock import Clock
from bot.errors import NotFound
from bot.models import Article
from bot.nlp.sentences import split_sentences
from bot.nlp.stories import (
    MIN_SHARED_ENTITIES,
    WINDOW,
    StoryFeatures,
    article_terms,
    bands_many,
    central_index,
    importance,
    same_story,
    signatures,
    story_summary,
)
from bot.store import Store
from bot.store.articles import ArticleRow, indexed_terms
from bot.store.bands import BandBatch
from bot.store.stories import Candidate, StoryRow


@functools.lru_cache(maxsize=2048)
def _sentences(text: str, language: str) -> tuple[str, ...]:
    """An article summary's sentences: a growing story re-reads its first articles' each time."""
    return tuple(split_sentences(text, language))


def _terms(row: ArticleRow) -> list[str]:
    """`article_terms` of a row, read back from its index text when ingest analyzed it."""
    terms = indexed_terms(row, subtitle=False)
    if terms is None:  # not analyzed by ingest: the same terms, analyzed here
        return article_terms(row.title, row.body, row.language)
    return terms


class Prepared(NamedTuple):
    """What ingest prepares for an article's story, outside the database lock."""

    signature: list[int]
    keys: list[int]  # its band keys
    lookups: BandBatch  # the band lookups of the articles analysed with it
    position: int  # its own among them


@dataclass
class Story:
    """A story as readers see it: headline article, sources, times, summary."""

    id: int
    headline: Article
    articles: list[Article]
    sources: list[str]
    first_at: datetime
    last_at: datetime
    summary: str

    @property
    def extra_sources(self) -> int:
        return max(0, len(self.sources) - 1)


class StoryService:
    """Assign each new article to a story, and read stories back."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def _features(self, candidate: Candidate) -> StoryFeatures:
        return StoryFeatures(
            signature=candidate.signature,
            entities=candidate.entities,
            published_at=candidate.published_at,
            language=candidate.language,
        )

    def prepare_many(self, rows: list[ArticleRow]) -> list[Prepared]:
        """Each article's MinHash signature and band keys, computed for all at once, and the
        band lookup they will share."""
        found = signatures([_terms(row) for row in rows])
        keys = bands_many(found)
        lookups = BandBatch(
            [
                (k, row.published_at - WINDOW, row.published_at + WINDOW)
                for k, row in zip(keys, rows, strict=True)
            ]
        )
        return [
            Prepared(s, k, lookups, n) for n, (s, k) in enumerate(zip(found, keys, strict=True))
        ]

    def save(self, article_id: int, row: ArticleRow, prepared: Prepared) -> None:
        """Put a stored article into the story it belongs to (a new one if none)."""
        self.assign(article_id, row, prepared)

    def assign(self, article_id: int, row: ArticleRow, prepared: Prepared) -> int:
        """Store the article's signature (and band keys) and join it to a story; return the
        story id."""
        signature, keys, lookups, position = prepared
        # Indexed first: the band index then knows every article up to this one and asks
        # the database for none (its own keys, found again, are left out below).
        self.store.stories.save_signature(article_id, row.published_at, signature, keys)
        mine = StoryFeatures(
            signature=signature,
            entities=self.store.entities.entity_ids_of_article(article_id),
            published_at=row.published_at,
            language=row.language,
        )
        self.store.stories.remember(article_id, row.content_hash, signature, mine.entities)
        # same_story joins no articles further apart than WINDOW: none outside is looked up.
        # Entities alone join only articles sharing MIN_SHARED_ENTITIES or more (same_story):
        # others sharing one popular name (a country) would be hundreds of hopeless candidates.
        found = self.store.stories.candidates(
            keys,
            mine.entities,
            row.published_at - WINDOW,
            row.published_at + WINDOW,
            article_id,
            min_shared=MIN_SHARED_ENTITIES,
            # The articles analysed with this one are looked up together (one search of
            # each day's keys for all of them).
            band_hits=self.store.stories.bands.lookup_batched(lookups, position),
        )
        for candidate in found:
            if candidate.story_id and same_story(mine, self._features(candidate)):
                self.store.stories.attach(article_id, candidate.story_id)
                self._refresh(candidate.story_id)
                return candidate.story_id
        return self.store.stories.create(article_id, row.published_at)

    def _refresh(self, story_id: int) -> None:
        # The oldest 50 articles choose the headline (central_index looks at no more) and the
        # first 20 give the summary's 400 characters: a story growing by hundreds of copies
        # costs the same to refresh as one of fifty.
        signed = self.store.stories.story_signatures(story_id, 50)
        if not signed:
            return
        ordered = [article_id for article_id, _ in signed]
        headline = ordered[central_index([signature for _, signature in signed])]
        others = [i for i in ordered if i != headline][:20]
        articles = self.store.articles.summaries([headline, *others])
        summary = story_summary(
            [_sentences(text, language) for language, text in articles if text],
            articles[0][0],
        )
        self.store.stories.set_headline(story_id, headline, summary)

    def get(self, story_id: int) -> Story:
        """Return a story or raise NotFound."""
        row = self.store.stories.get(story_id)
        if row is None:
            raise NotFound("story_not_found", id=story_id)
        return self._story(row)

    def _story(self, row: StoryRow) -> Story:
        ids = self.store.stories.article_ids(row.id)
        articles = self.store.articles.get_many(ids)
        by_id = {a.id: a for a in articles}
        headline = by_id.get(row.headline_article_id) or articles[0]
        sources = list(dict.fromkeys(a.source for a in articles if a.source))
        return Story(
            id=row.id,
            headline=headline,
            articles=articles,
            sources=sources,
            first_at=row.first_at,
            last_at=row.last_at,
            summary=row.summary or headline.summary,
        )

    def source_counts(self, story_ids: list[int]) -> dict[int, int]:
        """How many sources each story has (for "+N sources" in listings)."""
        return self.store.stories.source_counts(story_ids)

    def of_articles(self, article_ids: set[int]) -> list[Story]:
        """The distinct stories these articles belong to."""
        story_ids = {
            a.story_id for a in self.store.articles.get_many(sorted(article_ids)) if a.story_id
        }
        return [self.get(story_id) for story_id in sorted(story_ids)]

    def rank(self, stories: list[Story], limit: int) -> list[Story]:
        """The most important stories first: more sources and entities, more recent."""
        now = self.clock.now()
        entities = {
            s.id: len(self.store.entities.entity_ids_of_article(s.headline.id)) for s in stories
        }
        ranked = sorted(
            stories,
            key=lambda s: (importance(len(s.sources) or 1, s.last_at, now, entities[s.id]), s.id),
            reverse=True,
        )
        return ranked[:limit]

    def top(self, window: timedelta, limit: int) -> list[Story]:
        """The most important stories with an article published within `window`."""
        rows = self.store.stories.recent(self.clock.now() - window, 500)
        return self.rank([self._story(row) for row in rows], limit)
