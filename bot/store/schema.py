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


def migrate(db: Database) -> None:
    """Bring the database schema up to date."""
    migrations.apply(db)
