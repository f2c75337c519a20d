"""What the bot sees in a text: language, entities, topics, summary (for `python -m bot analyze`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.nlp.entities import extract_entities
from bot.nlp.language import detect_language
from bot.nlp.summarize import summarize
from bot.nlp.topics import classify
from bot.seeds import parse_seed_text


@dataclass
class Analysis:
    """The result of analysing one document."""

    language: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    summary: str | None = None
    title: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def analyze_document(text: str) -> Analysis:
    """Analyse a text as ingest would; entity offsets refer to `text` exactly as given.

    A text in the seed format (headline, subtitle, place tag, dateline, body) is summarised
    from its fields, so the editor's subtitle is the summary, as it is when stored.
    """
    language = detect_language(text)
    title, subtitle, body = "", "", text
    try:
        draft = parse_seed_text(text)
    except ValueError:
        draft = None
    if draft is not None and draft.source:  # a dateline was found: the wire format
        title, subtitle, body = draft.title, draft.subtitle, draft.body
    mentions = extract_entities(text, language)
    return Analysis(
        language=language,
        entities=[
            {
                "text": m.text,
                "type": m.type,
                "start": m.start,
                "end": m.end,
                "id": m.id,
                "name": m.name,
            }
            for m in mentions
        ],
        topics=classify(text, language),
        summary=summarize(title, body, language, subtitle=subtitle) if text.strip() else None,
        title=title,
    )
