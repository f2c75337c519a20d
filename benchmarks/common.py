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
