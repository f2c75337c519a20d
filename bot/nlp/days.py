"""Weekdays as people type them, in Arabic, English and Turkish (0 = Monday)."""

from __future__ import annotations

import re

from bot.nlp.normalize import fold

ALL = list(range(7))
WEEKDAYS = [0, 1, 2, 3, 4]
# Friday and Saturday: the weekend across most of the Arab world.
WEEKEND_ARAB = [4, 5]
WEEKEND = [5, 6]

_GROUPS = {
    "all": ALL,
    "every": ALL,
    "daily": ALL,
    "everyday": ALL,
    "hergun": ALL,
    "her": ALL,
    "كل": ALL,
    "يوميا": ALL,
    "weekdays": WEEKDAYS,
    "workdays": WEEKDAYS,
    "haftaici": WEEKDAYS,
    "ايام العمل": WEEKDAYS,
    "weekend": WEEKEND,
    "weekends": WEEKEND,
    "haftasonu": WEEKEND,
    "نهايه الاسبوع": WEEKEND_ARAB,
}
_NAMES = {
    0: ("mon", "monday", "pzt", "pazartesi", "الاثنين", "اثنين"),
    1: ("tue", "tues", "tuesday", "sal", "sali", "الثلاثاء", "ثلاثاء"),
    2: ("wed", "wednesday", "car", "carsamba", "الاربعاء", "اربعاء"),
    3: ("thu", "thur", "thurs", "thursday", "per", "persembe", "الخميس", "خميس"),
    4: ("fri", "friday", "cum", "cuma", "الجمعه", "جمعه"),
    5: ("sat", "saturday", "cmt", "cumartesi", "السبت", "سبت"),
    6: ("sun", "sunday", "paz", "pazar", "الاحد", "احد"),
}
_DAY = {fold(name): day for day, names in _NAMES.items() for name in names}
# ASCII forms of Turkish letters, so "carsamba" and "çarşamba" are the same word.
_TURKISH = str.maketrans("çğöşü", "cgosu")


def _key(text: str) -> str:
    return fold(text).translate(_TURKISH).replace("-", "").replace("_", "")


def parse_days(text: str) -> list[int] | None:
    """The weekdays meant by `text` ("weekdays", "mon,wed", "الجمعة السبت", "hafta içi"), or None."""
    key = " ".join(_key(text).split())
    if not key:
        return None
    for group, days in _GROUPS.items():
        if key.replace(" ", "") == _key(group).replace(" ", ""):
            return list(days)
    found: set[int] = set()
    for word in re.split(r"[\s,،;/+]+", key):
        if not word:
            continue
        if word in _DAY:
            found.add(_DAY[word])
        else:
            return None
    return sorted(found) or None
