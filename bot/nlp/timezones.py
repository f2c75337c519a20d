"""Understanding a time zone as people type it: an IANA name, a city, or a UTC offset."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.nlp.normalize import fold

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$")
# Cities people name that are not in the IANA name of their zone.
CITY_ZONES = {
    "washington": "America/New_York",
    "boston": "America/New_York",
    "san francisco": "America/Los_Angeles",
    "ankara": "Europe/Istanbul",
    "izmir": "Europe/Istanbul",
    "mecca": "Asia/Riyadh",
    "makkah": "Asia/Riyadh",
    "medina": "Asia/Riyadh",
    "jeddah": "Asia/Riyadh",
    "abu dhabi": "Asia/Dubai",
    "sharjah": "Asia/Dubai",
    "alexandria": "Africa/Cairo",
    "ramallah": "Asia/Hebron",
    "tel aviv": "Asia/Jerusalem",
    "al quds": "Asia/Jerusalem",
    "mosul": "Asia/Baghdad",
    "aleppo": "Asia/Damascus",
    "casablanca": "Africa/Casablanca",
    "marrakesh": "Africa/Casablanca",
    "rabat": "Africa/Casablanca",
    "sanaa": "Asia/Aden",
    "doha": "Asia/Qatar",
    "manama": "Asia/Bahrain",
    "muscat": "Asia/Muscat",
    "kuwait city": "Asia/Kuwait",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "kyiv": "Europe/Kyiv",
    "kiev": "Europe/Kyiv",
}


def _key(text: str) -> str:
    return " ".join(fold(text).replace("_", " ").replace("-", " ").split())


@cache
def _canonical_zones() -> set[str]:
    """Zones listed in zone.tab (so Europe/Istanbul wins over its alias Asia/Istanbul)."""
    from importlib.resources import files

    try:
        text = files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return set()
    return {line.split("\t")[2] for line in text.splitlines() if line and not line.startswith("#")}


@cache
def _zones_by_city() -> dict[str, str]:
    """Folded city (last part of the IANA name) -> zone, plus the whole folded name."""
    table: dict[str, str] = {}
    canonical = _canonical_zones()
    # Canonical zones first, so that a city maps to its real zone rather than a legacy alias.
    for zone in sorted(available_timezones(), key=lambda z: (z not in canonical, z)):
        if zone.startswith(("Etc/", "SystemV/", "posix/", "right/")) or "/" not in zone:
            continue
        table.setdefault(_key(zone.rsplit("/", 1)[1]), zone)
        table.setdefault(_key(zone), zone)
    table.update({_key(city): zone for city, zone in CITY_ZONES.items()})
    return table


def _from_catalog(key: str) -> str | None:
    """A city named in Arabic or Turkish: its English name from the entity catalog."""
    from bot.nlp.entities.catalog import Catalog

    for entry in Catalog.load().resolve(key):
        english = entry.names.get("en")
        if entry.type == "place" and english:
            zone = _zones_by_city().get(_key(english))
            if zone:
                return zone
    return None


def _from_offset(key: str) -> str | None:
    match = _OFFSET.match(key.replace(" ", ""))
    if not match:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    # The world's zones run from UTC-12 to UTC+14: Etc/GMT-14 exists, Etc/GMT+13 does not.
    if minutes or hours > (14 if sign == "+" else 12):
        return None
    if hours == 0:
        return "UTC"
    # POSIX zones count the other way round: UTC+3 is Etc/GMT-3.
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"


@lru_cache(maxsize=1024)  # bounded: it also reads what users type
def zone_exists(name: str) -> bool:
    """Whether `name` is a time zone this system can load."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def resolve_timezone(text: str) -> str | None:
    """The IANA zone meant by `text` ("Asia/Gaza", "istanbul", "غزة", "UTC+3"), or None."""
    raw = " ".join(text.split())
    if not raw or len(raw) > 64:
        return None
    if raw.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    if "/" in raw and ".." not in raw and zone_exists(raw):
        return raw
    key = _key(raw)
    return _from_offset(fold(raw)) or _zones_by_city().get(key) or _from_catalog(raw)


def suggest_timezones(text: str, limit: int = 3) -> list[str]:
    """Zones whose city starts like `text`, for a friendly "did you mean"."""
    key = _key(text)[:3]
    if len(key) < 2:
        return []
    return sorted({zone for city, zone in _zones_by_city().items() if city.startswith(key)})[:limit]


def same_wall_clock(moment: datetime, old_zone: str, new_zone: str) -> datetime:
    """The moment (UTC) at which `new_zone`'s clocks read what `old_zone`'s read at `moment`.

    A reading that `new_zone` shows twice (clocks going back) or skips (going forward)
    gives the later of its two candidates.
    """
    wall = moment.astimezone(ZoneInfo(old_zone)).replace(tzinfo=None, fold=0)
    zone = ZoneInfo(new_zone)
    return max(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
