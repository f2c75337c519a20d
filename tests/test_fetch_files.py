"""parse_file: JSON, JSONL and saved feeds into drafts; bad records skipped with a reason."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.fetch.files import parse_date, parse_file, parse_file_report

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def shared_data() -> Path:
    env = os.environ.get("MOJAZ_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def test_json_array_with_common_keys(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(
        json.dumps(
            [
                {
                    "title": "Kabine toplandı",
                    "summary": "Kısa özet",
                    "content": "<p>Tam metin.</p><p>İkinci.</p>",
                    "link": "https://haber.example/1?utm_source=x",
                    "source": "Haber",
                    "lang": "tr-TR",
                    "author": ["A. Yılmaz", "B. Kaya"],
                    "categories": ["siyaset", "siyaset", "gündem"],
                    "published": "2026-11-20T08:00:00+03:00",
                },
                {
                    "headline": "Second",
                    "text": "Body",
                    "url": "https://haber.example/2",
                    "date": 1700000000,
                },
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    first, second = parse_file(path)
    assert first.title == "Kabine toplandı"
    assert first.subtitle == "Kısa özet" and first.body == "Tam metin.\n\nİkinci."
    assert first.url == "https://haber.example/1"
    assert first.language == "tr" and first.source == "Haber"
    assert first.author == "A. Yılmaz, B. Kaya"
    assert first.tags == ["siyaset", "gündem"]
    assert first.published_at == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    assert first.date_source == "article"
    assert second.title == "Second" and second.published_at == datetime.fromtimestamp(
        1700000000, UTC
    )


def test_json_object_with_articles_key(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"articles": [{"title": "A", "body": "x"}], "count": 1}))
    [draft] = parse_file(path, source="Fallback")
    assert (draft.title, draft.body, draft.source) == ("A", "x", "Fallback")
    assert draft.published_at is None and draft.date_source == "ingest"


def test_jsonl_strings_may_hold_line_separators_of_other_kinds(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    records = [{"title": f"one\u0085two {n}", "body": "a\u2028b"} for n in range(2)]
    # ensure_ascii=False writes U+0085 and U+2028 as they are, which JSON allows.
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    result = parse_file_report(path)
    assert len(result.drafts) == 2 and result.rejected == []


def test_jsonl_bad_lines_are_skipped_with_reasons(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"title": "one", "description": "d1"}),
                "{not json",
                json.dumps(["a", "list"]),
                json.dumps({"url": "https://x.example/no-text"}),
                "",
                json.dumps({"title": "two", "published_at": "2026-11-01 10:00:00"}),
            ]
        ),
        encoding="utf-8",
    )
    result = parse_file_report(path, now=NOW)
    assert [d.title for d in result.drafts] == ["one", "two"]
    assert result.drafts[0].body == "d1"
    assert result.drafts[1].published_at == datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    reasons = {where.rsplit(":", 1)[1]: reason for reason, where in result.rejected}
    assert reasons["2"].startswith("invalid JSON line")
    assert reasons["3"].startswith("not an object")
    assert reasons["4"] == "no title and no text"


def test_invalid_json_file_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("[{")
    result = parse_file_report(path)
    assert result.drafts == [] and "invalid JSON" in result.rejected[0][0]
    assert parse_file(path) == []


def test_saved_feed_file(tmp_path: Path) -> None:
    path = tmp_path / "saved.rss"
    path.write_bytes(
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>x</title>'
        b"<item><title>Saved</title><link>https://n.example/1</link></item>"
        b"<item><title>Relative</title><link>/2</link><description>b</description></item>"
        b"</channel></rss>"
    )
    drafts = parse_file(path, source="Saved")
    assert [(d.title, d.url) for d in drafts] == [
        ("Saved", "https://n.example/1"),
        ("Relative", None),
    ]
    assert drafts[0].source == "Saved"


def test_unsupported_suffix_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK")
    assert "unsupported" in parse_file_report(path).rejected[0][0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20T08:00:00Z", datetime(2026, 11, 20, 8, 0, tzinfo=UTC)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
        ("Fri, 20 Nov 2026 08:00:00 +0100", datetime(2026, 11, 20, 7, 0, tzinfo=UTC)),
        (0, datetime(1970, 1, 1, tzinfo=UTC)),
        ("tomorrow", None),
        ("0001-01-01T00:00:00+01:00", None),
        ("9999-12-31T23:59:59-05:00", None),
        (None, None),
        (True, None),
        (1e20, None),
    ],
)
def test_parse_date(value: object, expected: datetime | None) -> None:
    assert parse_date(value) == expected


def test_future_date_in_export_is_clamped(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"title": "t", "date": "2099-01-01T00:00:00Z"}))
    [draft] = parse_file_report(path, now=NOW).drafts
    assert (draft.published_at, draft.date_source) == (NOW, "ingest")


def test_real_saudinewsnet_export(tmp_path: Path) -> None:
    folder = shared_data() / "saudinewsnet"
    zips = sorted(folder.glob("*.zip")) if folder.is_dir() else []
    if not zips:
        pytest.skip("shared data not present")
    with zipfile.ZipFile(zips[0]) as archive:
        name = archive.namelist()[0]
        (tmp_path / "day.json").write_bytes(archive.read(name))
    result = parse_file_report(tmp_path / "day.json")
    assert len(result.drafts) > 100
    sample = result.drafts[0]
    assert sample.title and sample.body and sample.source
    assert sample.url is None or sample.url.startswith("http")
    # Arabic survives: at least one Arabic letter in most titles.
    arabic = sum(any("\u0600" <= ch <= "\u06ff" for ch in d.title) for d in result.drafts)
    assert arabic > 0.9 * len(result.drafts)


def test_a_saved_feed_without_a_title_is_named_after_its_file(tmp_path: Path) -> None:
    path = tmp_path / "untitled.rss"
    path.write_bytes(
        b'<rss version="2.0"><channel><item><guid isPermaLink="false">1</guid>'
        b"<title>Saved</title></item></channel></rss>"
    )
    [draft] = parse_file(path)
    assert (draft.source, draft.guid) == ("untitled.rss", "1")


def test_export_ids_without_a_source_are_scoped_to_their_file(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(
        json.dumps({"id": 7, "title": "a"})
        + "\n"
        + json.dumps({"id": 7, "title": "b", "source": "S"})
    )
    first, second = parse_file(path)
    assert first.guid == "x.jsonl#7"
    assert (second.guid, second.source) == ("7", "S")
