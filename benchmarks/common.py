"""What every benchmark shares: the development data, and a line saying which machine ran it."""

from __future__ import annotations

import json
import os
import platform
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def shared_data() -> Path:
    """The development data folder: $MOJAZ_SHARED_DATA, else ../shared/data beside the repository."""
    return Path(os.environ.get("MOJAZ_SHARED_DATA", REPO / ".." / "shared" / "data"))


def saudinewsnet() -> Iterator[dict[str, str]]:
    """SaudiNewsNet articles ({source, url, date_extracted, title, author, content}), zip by zip."""
    for path in sorted((shared_data() / "saudinewsnet").glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                yield from json.loads(archive.read(name))


def saudinewsnet_texts(limit: int) -> list[str]:
    """Title and content, joined by a newline, of the first `limit` SaudiNewsNet articles."""
    texts: list[str] = []
    for article in saudinewsnet():
        if len(texts) >= limit:
            break
        texts.append(f"{article.get('title', '')}\n{article.get('content', '')}")
    return texts


def ttc3600() -> Iterator[tuple[str, str]]:
    """TTC-3600 Turkish documents as (category, text), category by category, file by file."""
    for folder in sorted(p for p in (shared_data() / "ttc3600").glob("*") if p.is_dir()):
        for path in sorted(folder.glob("*.txt")):
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                # Some TTC-3600 files may be Windows-1254, the legacy Turkish code page.
                text = raw.decode("cp1254", errors="replace")
            yield folder.name, text


def machine() -> str:
    """One line naming the machine, for the figures it printed."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def teaser(text: str, limit: int = 300) -> str:
    """An Arabic article's first sentences, up to about `limit` characters: what most feeds
    carry as an item's description."""
    from bot.nlp.sentences import split_sentences

    out = ""
    for sentence in split_sentences(text, "ar"):
        if out and len(out) + len(sentence) > limit:
            break
        out = f"{out} {sentence}".strip()
    return out
