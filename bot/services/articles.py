"""Reading articles: latest, one by id, full-text search."""

from __future__ import annotations

from bot.clock import Clock
from bot.errors import BadInput, NotFound
from bot.models import Article, SearchHit, SearchPage
from bot.nlp.analyzer import term_spans
from bot.nlp.query import highlight_terms, parse_query, to_match
from bot.store import Store

LATEST_DEFAULT = 5
LATEST_MAX = 20
SEARCH_PAGE_SIZE = 5
QUERY_MAX_CHARS = 500
MAX_ID = 2**63 - 1  # SQLite's largest integer
SNIPPET_CHARS = 220


def snippet(
    text: str, language: str, terms: set[str], width: int = SNIPPET_CHARS
) -> SearchHit | None:
    """Cut a window of `text` around the densest run of matching terms; None if none match."""
    spans = [(start, end) for term, start, end in term_spans(text, language) if term in terms]
    if not spans:
        return None
    # The window that starts at a match and covers the most matches.
    best_start, best_count = spans[0][0], 0
    for start, _ in spans:
        count = sum(1 for s, e in spans if start <= s and e <= start + width)
        if count > best_count:
            best_start, best_count = start, count
    begin = max(0, best_start - width // 4)
    if begin:
        space = text.rfind(" ", 0, begin + 1)
        begin = space + 1 if space > begin - 30 else begin
    end = min(len(text), begin + width)
    if end < len(text):
        space = text.rfind(" ", begin, end)
        end = space if space > begin + width // 2 else end
    window = text[begin:end].replace("\n", " ")
    prefix = "…" if begin else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - begin
    highlights = [(s + shift, e + shift) for s, e in spans if begin <= s and e <= end]
    return SearchHit(article=None, snippet=prefix + window + suffix, highlights=highlights)  # type: ignore[arg-type]


class ArticleService:
    """What the chat commands and the CLI ask about articles."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def latest(self, count: int = LATEST_DEFAULT) -> list[Article]:
        """Return the `count` newest articles (1..LATEST_MAX)."""
        if not 1 <= count <= LATEST_MAX:
            raise BadInput("bad_number", maximum=LATEST_MAX)
        return self.store.articles.latest(count)

    def sources(self, articles: list[Article]) -> dict[int, int]:
        """How many sources report each article's story (for "+N sources")."""
        counts = self.store.stories.source_counts(
            sorted({a.story_id for a in articles if a.story_id})
        )
        return {a.id: counts.get(a.story_id, 1) for a in articles if a.story_id}

    def follow_options(self, article: Article, limit: int = 3) -> list[tuple[str, int]]:
        """The entities a reader may want to follow from an article: (name in its language, handle)."""
        language = article.language if article.language in ("ar", "en", "tr") else "en"
        return [
            (entity.name(language), handle)
            for entity, handle in self.store.entities.most_mentioned(article.id, limit)
        ]

    def get(self, article_id: int) -> Article:
        """Return one article or raise NotFound."""
        if not 0 < article_id <= MAX_ID:  # SQLite raises OverflowError past 64 bits
            raise NotFound("article_not_found", id=article_id)
        article = self.store.articles.get(article_id)
        if article is None:
            raise NotFound("article_not_found", id=article_id)
        return article

    def search(self, query: str, page: int = 1, page_size: int = SEARCH_PAGE_SIZE) -> SearchPage:
        """Search titles, subtitles and bodies; rank by relevance, newer first on ties."""
        query = query.strip()
        if not query:
            raise BadInput("search_usage")
        if len(query) > QUERY_MAX_CHARS:
            raise BadInput("search_too_long", limit=QUERY_MAX_CHARS)
        parsed = parse_query(query)
        match = to_match(parsed)
        if match is None:
            raise BadInput("search_nothing_searchable")
        page = max(1, page)
        articles, total = self.store.articles.search(match, page_size, (page - 1) * page_size)
        terms = highlight_terms(parsed)
        hits = []
        for article in articles:
            hit = None
            for text in (article.body, article.subtitle, article.title):
                hit = snippet(text, article.language, terms)
                if hit:
                    break
            if hit is None:
                hit = SearchHit(
                    article=article, snippet=article.subtitle or article.body[:SNIPPET_CHARS]
                )
            hit.article = article
            hits.append(hit)
        return SearchPage(query=query, hits=hits, total=total, page=page, page_size=page_size)

    def remember_query(self, chat_id: int, query: str) -> int:
        """Save a chat's search for its page buttons; return the id the buttons carry."""
        return self.store.articles.save_query(chat_id, query, self.clock.now())

    def recall_query(self, query_id: int, chat_id: int) -> str:
        """Return a chat's saved search or raise NotFound."""
        query = self.store.articles.saved_query(query_id, chat_id)
        if query is None:
            raise NotFound("search_expired")
        return query
