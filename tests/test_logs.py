"""The bot token never reaches a log line, a traceback included."""

from __future__ import annotations

import io
import logging

from bot.logs import RedactSecrets

TOKEN = "7712345678:AAFakeSecretTokenValue_1234567890"


def make_logger(stream: io.StringIO, secrets: list[str]) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets(secrets))
    logger = logging.getLogger(f"test-redact-{id(stream)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    return logger


def test_messages_arguments_and_tracebacks_are_redacted() -> None:
    stream = io.StringIO()
    logger = make_logger(stream, [TOKEN])
    logger.warning("POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
    try:
        raise RuntimeError(f"failed at https://api.telegram.org/bot{TOKEN}/sendMessage")
    except RuntimeError:
        logger.exception("send failed")
    output = stream.getvalue()
    assert TOKEN not in output and "AAFakeSecret" not in output
    assert output.count("<token>") == 2
    assert "Traceback" in output


def test_token_shaped_strings_are_redacted_even_when_unknown() -> None:
    stream = io.StringIO()
    make_logger(stream, []).error("other bot 123456789:ABCdefGHIjklMNOpqrSTUvwxYZ012 leaked")
    assert "ABCdef" not in stream.getvalue()
