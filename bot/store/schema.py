"""Versioned schema migrations: one function per change, never edited once released."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("mojaz")


@migrations()
def m001_articles_and_chats(db: Database) -> None:
    """Articles with their search index, and the chats the bot talks to."""
    db.execute(
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT UNIQUE,
            guid TEXT,
            source TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT 'unknown',
            title TEXT NOT NULL,
            subtitle TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            location TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            published_at TEXT NOT NULL,
            date_source TEXT NOT NULL DEFAULT 'article',
            ingested_at TEXT NOT NULL,
            updated_at TEXT,
            content_hash TEXT NOT NULL,
            raw TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_articles_latest ON articles (published_at DESC, id DESC)")
    db.execute("CREATE INDEX idx_articles_content_hash ON articles (content_hash)")
    db.execute("CREATE INDEX idx_articles_guid ON articles (source, guid)")
    # The index holds analyzed text (normalised, clitic-stripped, stemmed); rowid = articles.id.
    db.execute(
        """
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, subtitle, body,
            tokenize = "unicode61 remove_diacritics 0"
        )
        """
    )
    db.execute(
        """
        CREATE TABLE chats (
            id INTEGER PRIMARY KEY,
            type TEXT NOT NULL DEFAULT 'private',
            title TEXT NOT NULL DEFAULT '',
            language TEXT,
            detected_language TEXT,
            timezone TEXT,
            created_at TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            deactivated_at TEXT
        )
        """
    )
    # A search a chat ran, so that its page buttons can carry a short id instead of the query.
    db.execute(
        """
        CREATE TABLE saved_queries (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            query TEXT NOT NULL,
            created_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m002_entities_topics_stories(db: Database) -> None:
    """Who and what articles mention, their topics, and the stories that group them."""
    db.execute(
        """
        CREATE TABLE entities (
            id TEXT PRIMARY KEY,            -- curated id ("hamas") or "<type>:<folded name>"
            type TEXT NOT NULL,             -- person | organization | place | other
            name_ar TEXT NOT NULL DEFAULT '',
            name_en TEXT NOT NULL DEFAULT '',
            name_tr TEXT NOT NULL DEFAULT '',
            curated INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE entity_aliases (
            folded TEXT NOT NULL,           -- bot.nlp.normalize.fold of the alias
            entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
            alias TEXT NOT NULL,
            PRIMARY KEY (folded, entity_id)
        )
        """
    )
    db.execute("CREATE INDEX idx_entity_aliases_entity ON entity_aliases (entity_id)")
    db.execute(
        """
        CREATE TABLE mentions (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            entity_id TEXT NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
            start INTEGER NOT NULL,         -- character offsets into the text analyzed: title, subtitle and body joined by newlines
            end INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (article_id, start, entity_id)
        )
        """
    )
    db.execute("CREATE INDEX idx_mentions_entity_article ON mentions (entity_id, article_id)")
    db.execute(
        """
        CREATE TABLE article_topics (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            topic TEXT NOT NULL,
            rank INTEGER NOT NULL,          -- 0 = best
            PRIMARY KEY (article_id, topic)
        )
        """
    )
    db.execute("CREATE INDEX idx_article_topics_topic ON article_topics (topic, article_id)")
    db.execute(
        """
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            headline_article_id INTEGER REFERENCES articles(id),
            first_at TEXT NOT NULL,
            last_at TEXT NOT NULL,
            article_count INTEGER NOT NULL DEFAULT 0,
            source_count INTEGER NOT NULL DEFAULT 0,
            summary TEXT NOT NULL DEFAULT ''
        )
        """
    )
    db.execute("CREATE INDEX idx_stories_last_at ON stories (last_at DESC)")
    db.execute("ALTER TABLE articles ADD COLUMN story_id INTEGER REFERENCES stories(id)")
    db.execute("CREATE INDEX idx_articles_story ON articles (story_id)")
    db.execute(
        """
        CREATE TABLE article_signatures (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            signature TEXT NOT NULL         -- JSON list of MinHash values
        )
        """
    )
    db.execute(
        """
        CREATE TABLE story_bands (
            band TEXT NOT NULL,             -- LSH band key of an article's signature
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            PRIMARY KEY (band, article_id)
        )
        """
    )


@migrations()
def m003_subscriptions_and_schedules(db: Database) -> None:
    """What each chat follows, when it gets its digest, and what was delivered."""
    db.execute(
        """
        CREATE TABLE subscriptions (
            chat_id INTEGER NOT NULL REFERENCES chats(id) ON UPDATE CASCADE ON DELETE CASCADE,
            kind TEXT NOT NULL,             -- topic | entity | keyword | exclude
            value TEXT NOT NULL,            -- topic id, entity id, or the keyword as typed
            created_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, kind, value)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE schedules (
            chat_id INTEGER PRIMARY KEY REFERENCES chats(id) ON UPDATE CASCADE ON DELETE CASCADE,
            times TEXT NOT NULL DEFAULT '["07:00"]',   -- JSON list of local HH:MM
            days TEXT NOT NULL DEFAULT '[0,1,2,3,4,5,6]', -- JSON list, 0 = Monday
            paused INTEGER NOT NULL DEFAULT 0,
            max_stories INTEGER NOT NULL DEFAULT 10,
            send_empty INTEGER NOT NULL DEFAULT 0,
            covered_until TEXT              -- articles ingested up to here were in a digest
        )
        """
    )
    db.execute(
        """
        CREATE TABLE deliveries (
            chat_id INTEGER NOT NULL REFERENCES chats(id) ON UPDATE CASCADE ON DELETE CASCADE,
            slot TEXT NOT NULL,             -- the scheduled moment, UTC
            status TEXT NOT NULL,           -- pending | sent | empty | skipped | failed
            parts_total INTEGER NOT NULL DEFAULT 0,
            parts_sent INTEGER NOT NULL DEFAULT 0,
            covered_until TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, slot)
        )
        """
    )
    db.execute("CREATE INDEX idx_deliveries_status ON deliveries (status, slot)")
    db.execute(
        """
        CREATE TABLE delivery_parts (
            chat_id INTEGER NOT NULL,
            slot TEXT NOT NULL,
            part INTEGER NOT NULL,
            html TEXT NOT NULL,
            buttons TEXT NOT NULL DEFAULT '[]',
            sent_message_id INTEGER,
            PRIMARY KEY (chat_id, slot, part),
            FOREIGN KEY (chat_id, slot) REFERENCES deliveries(chat_id, slot)
                ON UPDATE CASCADE ON DELETE CASCADE
        )
        """
    )


@migrations()
def m004_sources(db: Database) -> None:
    """Feeds the bot polls, with their health."""
    db.execute(
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            url TEXT NOT NULL UNIQUE,
            language TEXT,
            topics TEXT NOT NULL DEFAULT '[]',
            interval_minutes INTEGER NOT NULL DEFAULT 10,
            fetch_full_text INTEGER NOT NULL DEFAULT 0,
            paused INTEGER NOT NULL DEFAULT 0,
            etag TEXT,
            last_modified TEXT,
            next_poll_at TEXT,
            last_success_at TEXT,
            last_error TEXT,
            last_error_at TEXT,
            failing_since TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            unhealthy_notified INTEGER NOT NULL DEFAULT 0,
            article_count INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_sources_next_poll ON sources (paused, next_poll_at)")
    db.execute("ALTER TABLE articles ADD COLUMN source_id INTEGER REFERENCES sources(id)")


@migrations()
def m005_schedule_starts_at(db: Database) -> None:
    """When a schedule last started counting: slots before it are never delivered."""
    db.execute("ALTER TABLE schedules ADD COLUMN starts_at TEXT")


@migrations()
def m006_source_seeds(db: Database) -> None:
    """Seed sources already offered once: an admin's removal or edit is never undone at start-up."""
    db.execute(
        """
        CREATE TABLE source_seeds (
            url TEXT PRIMARY KEY,           -- the URL as written in seeds/sources.toml
            seeded_at TEXT NOT NULL
        )
        """
    )


@migrations()
def m007_story_bands_by_article(db: Database) -> None:
    """Re-indexing an article deletes its bands by article id: without this, a full scan each time."""
    db.execute("CREATE INDEX idx_story_bands_article ON story_bands (article_id)")


@migrations()
def m008_articles_by_ingestion(db: Database) -> None:
    """Digests take what was ingested since the last one: find that window without a scan."""
    db.execute("CREATE INDEX idx_articles_ingested ON articles (ingested_at)")


@migrations()
def m009_managed_channels(db: Database) -> None:
    """A private chat may manage a channel where the bot is an administrator: its follows and schedule."""
    db.execute("ALTER TABLE chats ADD COLUMN managing INTEGER")


@migrations()
def m010_story_bands_without_rowid(db: Database) -> None:
    """Keep band rows in their primary key alone: one b-tree fewer for each article's 32 bands."""
    db.execute(
        """
        CREATE TABLE story_bands_new (
            band TEXT NOT NULL,             -- LSH band key of an article's signature
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            PRIMARY KEY (band, article_id)
        ) WITHOUT ROWID
        """
    )
    db.execute(
        "INSERT INTO story_bands_new (band, article_id) SELECT band, article_id FROM story_bands"
    )
    db.execute("DROP TABLE story_bands")
    db.execute("ALTER TABLE story_bands_new RENAME TO story_bands")
    db.execute("CREATE INDEX idx_story_bands_article ON story_bands (article_id)")


@migrations()
def m011_compact_signatures_and_bands(db: Database) -> None:
    """Signatures as 8 bytes per value instead of JSON, band keys as 64-bit integers instead of
    text: a third of the bytes to write and index for each article."""
    from bot.nlp.stories import bands
    from bot.store.bands import pack_signature, unpack_signature

    db.execute(
        """
        CREATE TABLE story_bands_new (
            band INTEGER NOT NULL,          -- LSH band key of an article's signature (bands())
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            PRIMARY KEY (band, article_id)
        ) WITHOUT ROWID
        """
    )
    last = -1
    while rows := db.execute(  # a thousand at a time: 100,000 signatures are 120 MB of JSON
        "SELECT article_id, signature FROM article_signatures WHERE article_id > ? "
        "ORDER BY article_id LIMIT 1000",
        [last],
    ).fetchall():
        for article_id, stored in rows:
            signature = unpack_signature(stored)
            if isinstance(stored, str):
                db.execute(
                    "UPDATE article_signatures SET signature = ? WHERE article_id = ?",
                    [pack_signature(signature), article_id],
                )
            db.conn.executemany(
                "INSERT OR IGNORE INTO story_bands_new (band, article_id) VALUES (?, ?)",
                [(band, article_id) for band in bands(signature)],
            )
        last = rows[-1][0]
    db.execute("DROP TABLE story_bands")
    db.execute("ALTER TABLE story_bands_new RENAME TO story_bands")
    db.execute("CREATE INDEX idx_story_bands_article ON story_bands (article_id)")


@migrations()
def m012_band_keys_in_memory(db: Database) -> None:
    """Band keys are read from article_signatures into memory (bot/store/bands.py): as rows,
    each article's 32 random inserts rewrote thousands of index pages on every commit."""
    db.execute("DROP TABLE story_bands")


@migrations()
def m013_delivery_retry_at(db: Database) -> None:
    """When flood control (a 429's retry_after) lets a failed delivery try again."""
    db.execute("ALTER TABLE deliveries ADD COLUMN retry_at TEXT")


def migrate(db: Database) -> None:
    """Bring the database schema up to date."""
    migrations.apply(db)
