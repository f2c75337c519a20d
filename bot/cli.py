"""`python -m bot ...`: run the bot, or use its services from the shell."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import Config, load_config
from bot.errors import ConfigError, MojazError
from bot.i18n import t
from bot.logs import setup_logging
from bot.memory import tune_garbage_collector
from bot.services import Services, build_services, open_store
from bot.services.articles import LATEST_MAX
from bot.services.sources import SeedReport

# Bounds for `search`: beyond them SQLite's OFFSET overflows or a page is no longer a page.
MAX_PAGE = 100_000
MAX_LIMIT = 100


def _article_json(article: Any) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "subtitle": article.subtitle,
        "summary": article.summary,
        "source": article.source,
        "language": article.language,
        "url": article.url,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "date_source": article.date_source,
    }


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    """Serve Telegram (with a token) or the local stand-in with a terminal chat (without)."""
    from bot.runner import run_local, run_telegram

    if not config.local_mode:
        return run_telegram(config)
    try:
        asyncio.run(run_local(config, language_code=args.language))
    except KeyboardInterrupt:  # Ctrl-C is how many leave a terminal program
        print(file=sys.stderr)
    return 0


def cmd_ingest(args: argparse.Namespace, config: Config) -> int:
    """Load seed files, JSON/JSONL exports or feed files (or folders of them)."""
    services = build_services(config)
    try:
        missing = [p for p in args.paths if not Path(p).exists()]
        if missing:
            print(f"no such file or folder: {', '.join(missing)}", file=sys.stderr)
            return 2
        report = services.ingest.ingest_paths([Path(p) for p in args.paths])
    finally:
        services.close()
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        print(
            f"{len(report.added)} added, {len(report.updated)} updated, {report.unchanged} unchanged, "
            f"{len(report.rejected)} rejected"
        )
        for item, reason in report.rejected:
            print(f"  rejected {item}: {reason}")
    # Nothing usable in any input is a failure a script must see.
    stored = report.added or report.updated or report.unchanged
    return 1 if report.rejected and not stored else 0


def cmd_poll(args: argparse.Namespace, config: Config) -> int:
    """Poll every due source once (after adding new seed sources) and print what happened."""
    services = build_services(config)

    async def run() -> tuple[dict[str, Any], SeedReport]:
        try:
            seeded = services.sources.seed_report(config.seeds_dir / "sources.toml")
            report = await services.poller.poll_due()
        finally:
            await services.poller.http.aclose()
        problems = [seeded.unreadable] if seeded.unreadable else seeded.skipped
        return {**report.as_dict(), "source_file_errors": problems}, seeded

    try:
        result, seeded = asyncio.run(run())
    finally:
        services.close()
    # Each problem of the seed file is logged (to stderr here). A file that cannot be read at
    # all is a failure; a bad entry in it is skipped, the others are used.
    status = 1 if seeded.unreadable else 0
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return status
    print(
        f"{result['polled']} source(s) polled: {result['added']} added, {result['updated']} updated, "
        f"{result['failed']} failed"
    )
    for source in result["sources"]:
        counts = f"{source['added']} added, {source['updated']} updated, {len(source['rejected'])} rejected"
        outcome = (
            f"error: {source['error']}"
            if source["status"] == "error"
            else f"{source['status']}, {counts}"
        )
        print(f"  #{source['source_id']} {source['name']}: {outcome}")
        for rejected in source["rejected"]:
            print(f"    rejected {rejected['item']}: {rejected['reason']}")
    for source in result["unhealthy"]:
        print(
            f"  #{source['id']} {source['name']} has been failing for 24 hours: {source['error']}"
        )
    return status


def cmd_latest(args: argparse.Namespace, config: Config) -> int:
    """Print the newest articles."""

    def show(items: list[dict[str, Any]]) -> None:
        if not items:  # the bot loads the seeds when it starts; the CLI alone does not
            print("no articles yet: `python -m bot ingest seeds` loads the seed articles")
        _print_articles(items)

    return _with_services(
        config, args, lambda s: [_article_json(a) for a in s.articles.latest(args.n)], show
    )


def cmd_search(args: argparse.Namespace, config: Config) -> int:
    """Print search results for a query."""

    def run(services: Services) -> dict[str, Any]:
        page = services.articles.search(" ".join(args.query), page=args.page, page_size=args.limit)
        return {
            "query": page.query,
            "total": page.total,
            "page": page.page,
            "results": [{**_article_json(h.article), "snippet": h.snippet} for h in page.hits],
        }

    def show(result: dict[str, Any]) -> None:
        print(f"{result['total']} results for {result['query']}")
        _print_articles(result["results"], snippets=True)

    return _with_services(config, args, run, show)


def _read_input(path: str) -> str:
    """A file's or stdin's text, read the same way: UTF-8, no BOM, newlines as "\\n".

    Entity offsets count characters of this text: the same bytes give the same offsets
    whichever way they come in. Raise OSError or UnicodeDecodeError.
    """
    data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def cmd_analyze(args: argparse.Namespace, config: Config) -> int:
    """Print what the bot sees in a text: language, entities, topics, summary (JSON)."""
    from bot.services.analysis import analyze_document

    try:
        text = _read_input(args.file)
    except (OSError, UnicodeDecodeError) as error:
        name = "standard input" if args.file == "-" else args.file
        print(f"cannot read {name}: {error}", file=sys.stderr)
        return 2
    documents = [line for line in text.splitlines() if line.strip()] if args.jsonl else [text]
    for document in documents:
        print(json.dumps(analyze_document(document).as_dict(), ensure_ascii=False))
    return 0


def cmd_entity(args: argparse.Namespace, config: Config) -> int:
    """Print what the news says about an entity (the /entity card)."""

    def run(services: Services) -> dict[str, Any]:
        lookup = services.entities.lookup(" ".join(args.name))
        if lookup.card is None:
            options = lookup.choices or lookup.suggestions
            return {
                "query": lookup.query,
                "found": False,
                "ambiguous": bool(lookup.choices),
                "suggestions": [
                    {"id": e.id, "name": e.name("en"), "type": e.type} for e, _ in options
                ],
            }
        card = lookup.card
        return {
            "query": lookup.query,
            "found": True,
            "id": card.entity.id,
            "type": card.entity.type,
            "names": card.entity.names,
            "aliases": card.other_names,
            "articles": card.article_count,
            "since": card.since.isoformat() if card.since else None,
            "latest": [_article_json(a) for a in card.latest],
            "related": [
                {"id": e.id, "name": e.name("en"), "articles": n} for e, n, _ in card.related
            ],
        }

    def show(result: dict[str, Any]) -> None:
        if not result["found"]:
            kind = "could mean" if result["ambiguous"] else "did you mean"
            names = ", ".join(s["name"] for s in result["suggestions"]) or "nothing similar"
            print(f"{result['query']}: not found; {kind}: {names}")
            return
        print(f"{result['names'].get('en') or result['id']} ({result['type']}), id {result['id']}")
        print(f"  also: {', '.join(result['aliases'])}")
        print(f"  {result['articles']} article(s) since {result['since']}")
        for article in result["latest"]:
            print(f"  #{article['id']} {article['title']}")
        if result["related"]:
            print(
                "  with: " + ", ".join(f"{r['name']} ({r['articles']})" for r in result["related"])
            )

    return _with_services(config, args, run, show)


def cmd_summary(args: argparse.Namespace, config: Config) -> int:
    """Print an article's summary."""

    def run(services: Services) -> dict[str, Any]:
        article = services.articles.get(args.id)
        return {
            "id": article.id,
            "title": article.title,
            "summary": services.summaries.of_article(article, args.long),
        }

    def show(result: dict[str, Any]) -> None:
        print(result["summary"] or "no summary available")

    return _with_services(config, args, run, show)


def _print_articles(items: list[dict[str, Any]], snippets: bool = False) -> None:
    for item in items:
        print(f"#{item['id']}  {item['title']}")
        print(f"     {item['source'] or '-'} · {item['published_at']} · {item['language']}")
        if snippets:
            print(f"     {item['snippet']}")


def _with_services(
    config: Config,
    args: argparse.Namespace,
    run: Callable[[Services], Any],
    show: Callable[[Any], None],
) -> int:
    services = build_services(config)
    try:
        result = run(services)
    except MojazError as error:
        message = t("en", error.key, **error.params)
        if args.json:
            print(json.dumps({"error": error.key, "message": message}, ensure_ascii=False))
        else:
            print(message.replace("<b>", "").replace("</b>", ""), file=sys.stderr)
        return 1
    finally:
        services.close()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        show(result)
    return 0


def _int_from(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    parse.__name__ = "number"  # argparse names the type in its messages
    return parse


# search's own options; any other word, even one starting with '-', is part of the query.
_SEARCH_FLAGS = frozenset({"--json", "-h", "--help"})
_SEARCH_VALUED = frozenset({"--page", "--limit"})


def _query_words_last(argv: list[str]) -> list[str]:
    """Put `search`'s options first and its query words after "--".

    README documents "-word" to exclude a word: argparse would take "-غزة" for an
    unknown option (and "-hamas" for -h with an argument), so the words are moved where
    argparse reads only positionals.
    """
    if not argv or argv[0] != "search":
        return argv
    options: list[str] = []
    words: list[str] = []
    rest = iter(argv[1:])
    for arg in rest:
        if arg == "--":
            words += rest
        elif arg in _SEARCH_FLAGS or arg.partition("=")[0] in _SEARCH_VALUED and "=" in arg:
            options.append(arg)  # --json, or --page=2
        elif arg in _SEARCH_VALUED:
            options += [arg, next(rest, "")]
        else:
            words.append(arg)
    return ["search", *options, "--", *words] if words else ["search", *options]


def build_parser() -> argparse.ArgumentParser:
    """The command line: every subcommand and its options."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Mojaz, a Telegram news-digest bot. Without a subcommand, runs the bot.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run", help="run the bot (no TELEGRAM_BOT_TOKEN: local Telegram + terminal chat)"
    )
    run.add_argument(
        "--language", default="en", help="language_code of the terminal user (ar, en, tr)"
    )
    run.set_defaults(func=cmd_run)

    ingest = sub.add_parser(
        "ingest", help="load articles from seed files, JSON/JSONL exports, feed files or folders"
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    ingest.set_defaults(func=cmd_ingest)

    poll = sub.add_parser("poll", help="poll every due news source once and print what happened")
    poll.add_argument("--json", action="store_true", help="print the report as JSON")
    poll.set_defaults(func=cmd_poll)

    latest = sub.add_parser("latest", help="print the newest articles")
    latest.add_argument(
        "-n", type=_int_from(1, LATEST_MAX), default=5, help="how many (1-20, default 5)"
    )
    latest.add_argument("--json", action="store_true", help="print JSON")
    latest.set_defaults(func=cmd_latest)

    search = sub.add_parser("search", help="full-text search over the articles")
    search.add_argument("query", nargs="+", metavar="QUERY")
    search.add_argument("--page", type=_int_from(1, MAX_PAGE), default=1, help="page (default 1)")
    search.add_argument(
        "--limit",
        type=_int_from(1, MAX_LIMIT),
        default=10,
        help=f"results per page (1-{MAX_LIMIT}, default 10)",
    )
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(func=cmd_search)

    analyze = sub.add_parser(
        "analyze", help="print the language, entities, topics and summary of a text (JSON)"
    )
    analyze.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="a text file, or - for stdin"
    )
    analyze.add_argument(
        "--jsonl", action="store_true", help="each input line is a document; one JSON line each"
    )
    analyze.set_defaults(func=cmd_analyze)

    entity = sub.add_parser(
        "entity", help="what the news says about a person, organisation or place"
    )
    entity.add_argument("name", nargs="+", metavar="NAME")
    entity.add_argument("--json", action="store_true", help="print JSON")
    entity.set_defaults(func=cmd_entity)

    summary = sub.add_parser("summary", help="print an article's summary")
    summary.add_argument("id", type=int, metavar="ID")
    summary.add_argument("--long", action="store_true", help="3 to 5 sentences")
    summary.add_argument("--json", action="store_true", help="print JSON")
    summary.set_defaults(func=cmd_summary)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m bot`."""
    # PTB 22 warns on every RetryAfter unless it may use timedelta, which our code handles.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    tune_garbage_collector()
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]  # no subcommand runs the bot: `python -m bot --language ar`
    args = parser.parse_args(_query_words_last(argv))
    try:
        config = load_config()
        if args.command != "analyze":  # the one subcommand without a database
            # Opened once here so that a bad path is one line before anything else is printed.
            open_store(config.database_path).close()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    # The terminal chat owns the terminal: the local run logs to a file beside the database.
    log_file = (
        config.database_path.parent / "mojaz.log"
        if args.command == "run" and config.local_mode
        else None
    )
    setup_logging(
        config.log_level if args.command == "run" else "WARNING", [config.token or ""], log_file
    )
    if log_file:
        print(f"(logs: {log_file})", file=sys.stderr)
    try:
        status = int(args.func(args, config))
        sys.stdout.flush()  # here, not at exit, where a closed pipe could no longer be caught
        return status
    except BrokenPipeError:  # `... | head`: the reader has had enough, which is no error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
