"""The domain's exceptions: one hierarchy, each carrying a message-catalog key."""

from __future__ import annotations


class MojazError(Exception):
    """Base of every error the bot explains to a user; `key` names the catalog message."""

    key = "error_generic"

    def __init__(self, detail: str = "", **params: object) -> None:
        super().__init__(detail or self.key)
        self.params = params


class ConfigError(MojazError):
    """A setting is missing or invalid; start-up stops with one line naming it."""

    key = "error_config"


class BadInput(MojazError):
    """What the user typed cannot be used; `key` says why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, **params)
        self.key = key


class NotFound(MojazError):
    """The thing asked for does not exist."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, **params)
        self.key = key


class Forbidden(MojazError):
    """The user may not do this (not an admin)."""

    key = "error_not_admin"
