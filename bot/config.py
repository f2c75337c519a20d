"""Settings from the environment and an optional `.env` file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError
from bot.nlp.timezones import zone_exists

DEFAULT_API_URL = "https://api.telegram.org/bot"
LANGUAGES = ("ar", "en", "tr")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Config:
    """Everything the bot reads from its environment, validated."""

    token: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    database_path: Path = Path("data/mojaz.db")
    seeds_dir: Path = Path("seeds")
    admin_ids: frozenset[int] = frozenset()
    default_timezone: str = "UTC"
    default_language: str = "en"
    log_level: str = "INFO"
    allow_private_feeds: bool = False
    poll_feeds: bool = True

    @property
    def local_mode(self) -> bool:
        """True when there is no token: the bot runs against the built-in local Telegram."""
        return not self.token


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines of a .env file; comments and blank lines are skipped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if value[:1] in ("'", '"') and value.find(value[0], 1) > 0:
            value = value[1 : value.find(value[0], 1)]  # quoted: what follows is a comment
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()  # KEY=value  # a comment
        values[key] = value
    return values


def load_config(
    environ: dict[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Config:
    """Build a Config from `.env` overlaid by the environment; raise ConfigError on a bad value."""
    values = read_dotenv(dotenv) if dotenv else {}
    values.update(os.environ if environ is None else environ)

    def get(name: str, default: str = "") -> str:
        return values.get(name, default).strip()

    token = get("TELEGRAM_BOT_TOKEN") or None
    if token is not None and (":" not in token or any(c.isspace() for c in token)):
        # Never echo the value: it may be a real token with a typo.
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (expected <id>:<secret>)"
        )

    api_url = get("TELEGRAM_API_URL", DEFAULT_API_URL)
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError("TELEGRAM_API_URL must start with http:// or https://")

    admin_ids: set[int] = set()
    for part in get("ADMIN_IDS").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            admin_ids.add(int(part))
        except ValueError:
            raise ConfigError(
                f"ADMIN_IDS must be a comma-separated list of numeric user ids, got {part!r}"
            ) from None

    timezone = get("DEFAULT_TIMEZONE", "UTC")
    if not zone_exists(timezone):
        raise ConfigError(
            f"DEFAULT_TIMEZONE {timezone!r} is not an IANA time zone (e.g. Asia/Gaza)"
        )

    language = get("DEFAULT_LANGUAGE", "en").lower()
    if language not in LANGUAGES:
        raise ConfigError(
            f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, got {language!r}"
        )

    log_level = get("LOG_LEVEL", "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}")

    allow_private = get("ALLOW_PRIVATE_FEEDS", "false").lower()
    if allow_private not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError("ALLOW_PRIVATE_FEEDS must be true or false")

    poll_feeds = get("POLL_FEEDS", "true").lower()
    if poll_feeds not in ("true", "false", "1", "0", "yes", "no"):
        raise ConfigError("POLL_FEEDS must be true or false")

    seeds_dir = get("SEEDS_DIR", "seeds")
    if not seeds_dir:
        # Path("") is the working folder: every text and JSON file in it would be news.
        raise ConfigError("SEEDS_DIR is empty: give a folder of seed articles, e.g. seeds")
    if Path(seeds_dir).exists() and not Path(seeds_dir).is_dir():
        raise ConfigError(f"SEEDS_DIR must be a folder, got the file {seeds_dir!r}")

    return Config(
        token=token,
        api_url=api_url,
        database_path=Path(get("DATABASE_PATH", "data/mojaz.db")),
        seeds_dir=Path(seeds_dir),
        admin_ids=frozenset(admin_ids),
        default_timezone=timezone,
        default_language=language,
        log_level=log_level,
        allow_private_feeds=allow_private in ("true", "1", "yes"),
        poll_feeds=poll_feeds in ("true", "1", "yes"),
    )
