"""SQLite storage: the only package that speaks SQL."""

from bot.store.db import Store

__all__ = ["Store"]
