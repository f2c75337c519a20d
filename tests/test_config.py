"""Settings from the environment and .env."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_API_URL, load_config
from bot.errors import ConfigError


def test_defaults_need_nothing(tmp_path: Path) -> None:
    config = load_config({}, dotenv=tmp_path / ".env")
    assert config.local_mode and config.token is None
    assert config.api_url == DEFAULT_API_URL
    assert config.default_timezone == "UTC" and config.default_language == "en"


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# comment\nTELEGRAM_BOT_TOKEN='123:abcdefghijklmnopqrstuvwxyz'\nDEFAULT_TIMEZONE=Asia/Gaza\n"
        "export ADMIN_IDS=1, 2 ;3\nDEFAULT_LANGUAGE=ar\n",
        encoding="utf-8",
    )
    config = load_config({"DEFAULT_LANGUAGE": "tr"}, dotenv=dotenv)
    assert config.token == "123:abcdefghijklmnopqrstuvwxyz" and not config.local_mode
    assert config.default_timezone == "Asia/Gaza"
    assert config.admin_ids == frozenset({1, 2, 3})
    assert config.default_language == "tr"


def test_dotenv_values_may_carry_a_comment(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        'DEFAULT_TIMEZONE="Asia/Gaza"  # Gaza\nDEFAULT_LANGUAGE=ar # Arabic\n'
        "TELEGRAM_API_URL=http://127.0.0.1:8081/bot#x\n",
        encoding="utf-8",
    )
    config = load_config({}, dotenv=dotenv)
    assert config.default_timezone == "Asia/Gaza" and config.default_language == "ar"
    assert config.api_url == "http://127.0.0.1:8081/bot#x"  # a "#" inside a value stays


def test_the_token_never_shows_in_the_config_repr(tmp_path: Path) -> None:
    config = load_config({"TELEGRAM_BOT_TOKEN": "123:abcdefghijklmnopqrstuvwxyz"}, dotenv=None)
    assert "abcdefghij" not in repr(config)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEFAULT_TIMEZONE", "Nowhere/City"),
        ("DEFAULT_TIMEZONE", "../etc/passwd"),
        ("DEFAULT_LANGUAGE", "de"),
        ("LOG_LEVEL", "chatty"),
        ("ADMIN_IDS", "me"),
        ("TELEGRAM_API_URL", "api.telegram.org"),
        ("TELEGRAM_BOT_TOKEN", "no-colon-here"),
        ("ALLOW_PRIVATE_FEEDS", "maybe"),
        ("SEEDS_DIR", ""),  # would read the working folder (.venv and all) as news
        ("SEEDS_DIR", "README.md"),
    ],
)
def test_invalid_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config({name: value}, dotenv=None)
    assert name in str(raised.value)
    if name == "TELEGRAM_BOT_TOKEN":
        assert value not in str(raised.value)
