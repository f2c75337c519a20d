"""`python -m bot ...`: the operators' command line, run as a real subprocess."""

from __future__ import annotations

import http.server
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

from tests.harness import REPO, SEED_TITLE

SEED_FILE = next((REPO / "seeds").glob("*.txt"))


def environment_for(tmp_path: Path) -> dict[str, str]:
    """A bare environment for `python -m bot`: a database under tmp_path, the repo's seeds."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO),
        "DATABASE_PATH": str(tmp_path / "cli.db"),
        "SEEDS_DIR": str(REPO / "seeds"),
    }


def run(
    tmp_path: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**environment_for(tmp_path), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,  # no .env there
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_documents_every_subcommand(tmp_path: Path) -> None:
    result = run(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("run", "ingest", "latest", "search", "analyze", "entity", "summary"):
        assert command in result.stdout


def test_ingest_is_idempotent_and_latest_search_summary_see_the_seed(tmp_path: Path) -> None:
    first = json.loads(run(tmp_path, "ingest", str(REPO / "seeds"), "--json").stdout)
    assert first["added"] == 1 and first["rejected"] == []
    second = json.loads(run(tmp_path, "ingest", str(SEED_FILE), "--json").stdout)
    assert second["added"] == 0 and second["unchanged"] == 1

    latest = json.loads(run(tmp_path, "latest", "--json").stdout)
    assert [a["title"] for a in latest] == [SEED_TITLE]
    assert latest[0]["date_source"] == "file_mtime"

    found = json.loads(run(tmp_path, "search", "لإسرائيل", "--json").stdout)
    assert found["total"] == 1 and found["results"][0]["title"] == SEED_TITLE

    summary = json.loads(run(tmp_path, "summary", str(latest[0]["id"]), "--json").stdout)
    assert summary["summary"].startswith("بعد انتهاء المرحلة الأولى")

    card = json.loads(run(tmp_path, "entity", "Netanyahu", "--json").stdout)
    assert card["id"] == "benjamin-netanyahu" and card["articles"] == 1


def test_errors_are_one_clear_line(tmp_path: Path) -> None:
    result = run(tmp_path, "search", "***", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"] == "search_nothing_searchable"
    missing = run(tmp_path, "ingest", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_analyze_prints_language_entities_topics_and_summary(tmp_path: Path) -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    result = json.loads(run(tmp_path, "analyze", str(SEED_FILE)).stdout)
    assert result["language"] == "ar"
    assert result["summary"].startswith("بعد انتهاء المرحلة الأولى")
    assert result["topics"] and set(result["topics"]) & {"middle-east", "politics", "world"}
    for entity in result["entities"]:
        assert text[entity["start"] : entity["end"]] == entity["text"]
        assert entity["type"] in ("person", "organization", "place", "other")
    ids = {e["id"] for e in result["entities"]}
    assert {
        "hamas",
        "benjamin-netanyahu",
        "gaza",
        "egypt",
        "qatar",
        "united-states",
        "donald-trump",
    } <= ids


def test_analyze_jsonl_reads_one_document_per_line(tmp_path: Path) -> None:
    stdin = "Netanyahu said on Monday that the talks with the mediators in Gaza would go on.\nحماس ترحب بجهود الوسطاء في غزة.\n\nGazze'de ateşkes sürüyor.\n"
    lines = run(tmp_path, "analyze", "--jsonl", "-", stdin=stdin).stdout.splitlines()
    results = [json.loads(line) for line in lines]
    assert [r["language"] for r in results] == ["en", "ar", "tr"]
    assert all(any(e["id"] == "gaza" for e in r["entities"]) for r in results[1:])


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DEFAULT_TIMEZONE", "Mars/Olympus"),
        ("DEFAULT_LANGUAGE", "fr"),
        ("LOG_LEVEL", "LOUD"),
        ("ADMIN_IDS", "12,abc"),
        ("TELEGRAM_API_URL", "ftp://example"),
    ],
)
def test_an_invalid_setting_stops_with_one_line_naming_it(
    tmp_path: Path, variable: str, value: str
) -> None:
    result = run(tmp_path, "latest", env={variable: value})
    assert result.returncode == 2
    assert variable in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_malformed_token_is_named_but_never_printed(tmp_path: Path) -> None:
    secret = "123456 ABCDEFzqxjvkwpqzqxjv"
    result = run(tmp_path, "latest", env={"TELEGRAM_BOT_TOKEN": secret})
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "ABCDEFzqx" not in result.stderr + result.stdout


def test_the_bot_process_runs_garbage_collections_less_often(tmp_path: Path) -> None:
    from bot.memory import YOUNG_ALLOCATIONS, YOUNG_COLLECTIONS_PER_FULL

    code = (
        "import gc, sys; from bot.cli import main; code = main(['latest', '--json']); "
        "print(*gc.get_threshold(), file=sys.stderr); sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(REPO),
            "DATABASE_PATH": str(tmp_path / "gc.db"),
            "SEEDS_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and json.loads(result.stdout) == []
    young, _middle, full = result.stderr.split()[-3:]
    assert (young, full) == (str(YOUNG_ALLOCATIONS), str(YOUNG_COLLECTIONS_PER_FULL))


class _Refusing(http.server.BaseHTTPRequestHandler):
    """Telegram answering a revoked token (401) or a wrong address (404 with the path)."""

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
        if self.path.startswith("/wrong"):
            body = f"<html>Not Found: {self.path}</html>".encode()
            self.send_response(404)
        else:
            body = b'{"ok":false,"error_code":401,"description":"Unauthorized"}'
            self.send_response(401)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("path", ["/bot", "/wrong/bot"])
def test_a_refused_token_ends_the_run_in_one_line_without_the_token(
    tmp_path: Path, path: str
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        secret = "123456:SECRETSECRETSECRETSECRETSECRET"
        url = f"http://127.0.0.1:{server.server_address[1]}{path}"
        result = run(tmp_path, "run", env={"TELEGRAM_BOT_TOKEN": secret, "TELEGRAM_API_URL": url})
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 1
    assert "SECRET" not in result.stdout + result.stderr
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr.split("refused TELEGRAM_BOT_TOKEN")[-1]


def test_ctrl_c_leaves_the_terminal_chat_without_a_traceback(tmp_path: Path) -> None:
    chat = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=environment_for(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert chat.stdout is not None
    chat.stdout.readline()  # the greeting: the chat is running
    chat.send_signal(signal.SIGINT)
    _, errors = chat.communicate(timeout=60)
    assert chat.returncode == 0
    assert "Traceback" not in errors


def feed_file(title: str, item: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f'<item><guid isPermaLink="false">1</guid><title>{item}</title>'
        f"<description>{item}, in more words.</description></item></channel></rss>"
    ).encode()


def test_saved_feeds_and_exports_that_reuse_an_id_are_different_articles(
    tmp_path: Path,
) -> None:
    (tmp_path / "siteA.xml").write_bytes(feed_file("Site A", "Floods in the north"))
    (tmp_path / "siteB.xml").write_bytes(feed_file("Site B", "Elections in the south"))
    (tmp_path / "x.jsonl").write_text(json.dumps({"id": 1, "title": "Export X story", "body": "x"}))
    (tmp_path / "y.jsonl").write_text(
        json.dumps({"id": 1, "title": "Export Y other story", "body": "y"})
    )
    for name in ("siteA.xml", "siteB.xml", "x.jsonl", "y.jsonl"):
        report = json.loads(run(tmp_path, "ingest", str(tmp_path / name), "--json").stdout)
        assert (report["added"], report["updated"]) == (1, 0), name
    again = json.loads(run(tmp_path, "ingest", str(tmp_path), "--json").stdout)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 4)

    latest = json.loads(run(tmp_path, "latest", "-n", "10", "--json").stdout)
    by_title = {a["title"]: a["source"] for a in latest}
    assert by_title["Floods in the north"] == "Site A"
    assert by_title["Elections in the south"] == "Site B"
    assert {"Export X story", "Export Y other story"} <= set(by_title)


def test_dates_out_of_range_reject_nothing_but_the_date(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n, date in enumerate(
        ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "2099-12-31T00:00:00Z"]
    ):
        (folder / f"{n}.txt").write_text(f"---\ndate: {date}\n---\nSeed story {n}\n\nBody {n}.\n")
    (folder / "z.txt").write_text("Last seed story\n\nIt is read too.\n")
    (folder / "e.jsonl").write_text(
        "\n".join(
            json.dumps({"title": f"Export story {n}", "date": date})
            for n, date in enumerate(["0001-01-01T00:00:00+01:00", "2025-01-02", 1e300])
        )
    )
    result = run(tmp_path, "ingest", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 7
    latest = json.loads(run(tmp_path, "latest", "-n", "20", "--json").stdout)
    assert all(a["published_at"] < "2099" for a in latest)
    dated = {a["title"]: a["date_source"] for a in latest}
    assert dated["Seed story 2"] == "ingest" and dated["Export story 1"] == "article"


def test_ingest_reports_every_record_it_skips_and_fails_when_nothing_was_usable(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"title":null,"body":null}\n[1,2,3]\n"str"\n{broken\n')
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "null.json").write_text("null")
    (tmp_path / "README.md").write_text("# notes\n")
    paths = [str(tmp_path / n) for n in ("bad.jsonl", "empty.json", "null.json", "README.md")]
    result = run(tmp_path, "ingest", *paths, "--json")
    assert result.returncode == 1
    rejected = json.loads(result.stdout)["rejected"]
    assert sorted(r["item"] for r in rejected) == sorted(
        [f"{bad}:{n}" for n in (1, 2, 3, 4)] + paths[1:]
    )
    assert all(r["reason"] for r in rejected)

    feed = tmp_path / "feed.xml"
    feed.write_bytes(
        b'<rss version="2.0"><channel><title>F</title>'
        b"<item><title>Kept</title><link>https://f.example/1</link></item>"
        b"<item><title>Twice</title><link>https://f.example/1</link></item>"
        b"<item><description>no link and no title</description></item>"
        b"</channel></rss>"
    )
    text = run(tmp_path, "ingest", str(feed))
    assert text.returncode == 0  # something was stored
    assert text.stdout.startswith("1 added, 0 updated, 0 unchanged, 2 rejected")
    assert f"rejected {feed}: Twice: duplicate item" in text.stdout

    dtd = tmp_path / "dtd.rss"
    dtd.write_bytes(b'<!DOCTYPE rss [<!ENTITY a "&#38;&#38;">]><rss version="2.0"></rss>')
    refused = run(tmp_path, "ingest", str(dtd), "--json")
    assert refused.returncode == 1
    [why] = json.loads(refused.stdout)["rejected"]
    assert why["item"] == str(dtd) and "entity" in why["reason"]


def test_stored_titles_bodies_and_links_are_plain_text_and_http_whatever_the_input(
    tmp_path: Path,
) -> None:
    (tmp_path / "e.jsonl").write_text(
        json.dumps({"title": "&lt;script&gt;alert(1)&lt;/script&gt;Escaped", "body": "a < b"})
    )
    (tmp_path / "f.xml").write_bytes(
        b'<rss version="2.0"><channel><title>F</title><item>'
        b"<title>&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;Hi</title>"
        b"<link>https://f.example/1</link><description>x&lt;y</description></item></channel></rss>"
    )
    (tmp_path / "s.txt").write_text(
        "---\nurl: javascript:alert(1)\n---\n<script>alert(1)</script><b>Seed</b> title\n\n<p>body</p>\n"
    )
    report = json.loads(run(tmp_path, "ingest", str(tmp_path), "--json").stdout)
    assert report["added"] == 3
    latest = json.loads(run(tmp_path, "latest", "--json").stdout)
    assert {(a["title"], a["url"]) for a in latest} == {
        ("Escaped", None),
        ("Hi", "https://f.example/1"),
        ("Seed title", None),
    }
    with closing(sqlite3.connect(tmp_path / "cli.db")) as db:
        rows = dict(
            db.execute("SELECT title, body || '|' || source || '|' || location FROM articles")
        )
    assert rows == {"Escaped": "a < b||", "Hi": "x<y|F|", "Seed title": "body||"}


def test_an_id_too_big_for_sqlite_is_not_found(tmp_path: Path) -> None:
    result = run(tmp_path, "summary", "99999999999999999999999", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"] == "article_not_found"


def test_analyze_reads_stdin_like_a_file(tmp_path: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "analyze"],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)},
        input=b"\xff\xfe bad",
        capture_output=True,
        timeout=120,
    )
    assert bad.returncode == 2 and bad.stderr.decode().startswith("cannot read standard input")
    assert b"Traceback" not in bad.stderr

    text = "\ufeffHamas said on Monday.\r\nNetanyahu met mediators in Gaza.\r\n"
    path = tmp_path / "doc.txt"
    path.write_bytes(text.encode("utf-8"))
    from_file = json.loads(run(tmp_path, "analyze", str(path)).stdout)
    from_stdin = json.loads(run(tmp_path, "analyze", "-", stdin=text).stdout)
    assert from_file == from_stdin
    clean = text.lstrip("\ufeff").replace("\r\n", "\n")
    assert from_file["entities"]
    for entity in from_file["entities"]:
        assert clean[entity["start"] : entity["end"]] == entity["text"]


@pytest.mark.parametrize("command", ["latest", "ingest", "search", "poll", "run"])
@pytest.mark.parametrize("where", ["folder", "uncreatable", "not sqlite"])
def test_a_bad_database_path_is_one_line_naming_it(
    tmp_path: Path, command: str, where: str
) -> None:
    path = {"folder": tmp_path, "uncreatable": Path("/proc/nope/x.db")}.get(where)
    if path is None:
        path = tmp_path / "notes.db"
        path.write_text("not a database\n" * 100)
    args = {"ingest": [str(SEED_FILE)], "search": ["gaza"]}.get(command, [])
    result = run(tmp_path, command, *args, env={"DATABASE_PATH": str(path)})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "DATABASE_PATH" in result.stderr


def test_search_words_may_start_with_a_dash_and_options_are_checked(tmp_path: Path) -> None:
    run(tmp_path, "ingest", str(SEED_FILE))
    found = run(tmp_path, "search", "حماس", "-غزة", "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["query"] == "حماس -غزة"
    assert json.loads(run(tmp_path, "search", "-hamas", "حماس", "--json").stdout)["total"] == 1
    for bad in (["--limit", "0"], ["--limit", "-1"], ["--page", "-3"], ["--page=0"]):
        result = run(tmp_path, "search", "gaza", *bad)
        assert result.returncode == 2 and "must be from 1" in result.stderr
    latest = run(tmp_path, "latest", "-n", "0")
    assert latest.returncode == 2 and "/latest" not in latest.stderr
    assert "-n: must be from 1 to 20" in latest.stderr


def test_export_records_with_wrong_types_are_rejected_or_lose_only_the_bad_fields(
    tmp_path: Path,
) -> None:
    records = [
        {"title": "Nested", "body": {"nested": {"deep": [1, 2]}}},
        {"title": ["a", "list"], "body": "b"},
        {
            "title": "Typed",
            "body": "Body.",
            "tags": [{"name": "t1"}, 5, None, "t2"],
            "author": {"name": "A"},
            "guid": {"a": 1},
            "source": ["S"],
            "url": {"href": "https://x.example/1"},
        },
        {"title": "Long " + "x" * 2_000_000, "body": "Short body."},
    ]
    export = tmp_path / "types.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in records))
    report = json.loads(run(tmp_path, "ingest", str(export), "--json").stdout)
    assert report["added"] == 2
    assert sorted((r["item"], r["reason"]) for r in report["rejected"]) == [
        (f"{export}:1", "body is not text: dict"),
        (f"{export}:2", "title is not text: list"),
    ]
    with closing(sqlite3.connect(tmp_path / "cli.db")) as db:
        typed = db.execute(
            "SELECT body, tags, author, guid, source, url FROM articles WHERE title = 'Typed'"
        ).fetchone()
        [long_title] = db.execute("SELECT title FROM articles WHERE title LIKE 'Long%'").fetchone()
    assert typed == ("Body.", '["t1", "t2"]', "", None, "", None)
    assert len(long_title) <= 300


def test_a_json_file_of_one_object_per_line_is_read_like_jsonl(tmp_path: Path) -> None:
    export = tmp_path / "mongo.json"
    export.write_text('{"title": "First line"}\n{"title": "Second line"}\n')
    report = json.loads(run(tmp_path, "ingest", str(export), "--json").stdout)
    assert (report["added"], report["rejected"]) == (2, [])


def test_latest_on_a_new_database_says_how_to_load_articles(tmp_path: Path) -> None:
    result = run(tmp_path, "latest")
    assert result.returncode == 0 and "python -m bot ingest seeds" in result.stdout
    assert json.loads(run(tmp_path, "latest", "--json").stdout) == []


def test_output_cut_short_by_a_pipe_is_no_error(tmp_path: Path) -> None:
    export = tmp_path / "many.jsonl"
    title = "غزة " + "خبر طويل عن المساعدات " * 12
    lines = [json.dumps({"id": n, "title": f"{n} {title}", "body": title}) for n in range(120)]
    export.write_text("\n".join(lines), encoding="utf-8")
    run(tmp_path, "ingest", str(export))
    # Far more than a pipe holds: the writer meets the closed pipe whatever the timing.
    shell = f"{sys.executable} -m bot search غزة --limit 100 | head -c 1"
    result = subprocess.run(
        ["sh", "-c", shell],
        cwd=tmp_path,
        env=environment_for(tmp_path),
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_options_without_a_subcommand_are_the_runs(tmp_path: Path) -> None:
    result = run(tmp_path, "--language", "ar", stdin="quit\n")
    assert result.returncode == 0, result.stderr
    assert "invalid choice" not in result.stderr
