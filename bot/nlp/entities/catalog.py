"""The curated multilingual entity table: exact lookup, misspelling suggestions, text phrases."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from bot.nlp.entities.tokens import clitic_forms, clitic_variants, tokenize

DATA = Path(__file__).resolve().parents[1] / "data" / "entities.json"
LANGS = ("ar", "en", "tr")


@dataclass(frozen=True)
class Entry:
    """One known person, organisation or place with its names in each language."""

    id: str
    type: str  # "person" | "organization" | "place"
    names: dict[str, str]
    aliases: tuple[str, ...] = ()
    weak: frozenset[str] = frozenset()
    kind: str = ""

    def name(self, lang: str | None) -> str:
        """Return the display name in `lang`, else English."""
        return self.names.get(lang or "en") or self.names.get("en") or self.id

    def all_names(self) -> list[str]:
        """Return every name and alias, display names first."""
        return list(dict.fromkeys([*self.names.values(), *self.aliases]))


@dataclass(frozen=True, slots=True)
class Phrase:
    """One alias as matched in running text."""

    entry: Entry
    alias: str
    weak: bool  # also a common word: needs the tagger's support in text
    exact_case: bool  # an acronym (US, WHO, AA): the text must have the same capitals


_ALIAS_KEYS: dict[str, str] = {}


def alias_key(text: str) -> str:
    """Return the matching key of a name: folded tokens joined by single spaces (cached)."""
    key = _ALIAS_KEYS.get(text)
    if key is None:
        if len(_ALIAS_KEYS) > 100_000:  # bound memory on long-running bots
            _ALIAS_KEYS.clear()
        key = _ALIAS_KEYS[text] = " ".join(t.key for t in tokenize(text))
    return key


# Below this many characters a name typed without its accents is too often another word
# ("Sam" is a first name, not Şam).
MIN_UNACCENTED = 5


def unaccented(key: str) -> str:
    """A matching key without the accents of Latin letters: "gazze şeridi" -> "gazze seridi".

    Turkish names are often typed on keyboards without ş, ğ, ü, ö, ç. Arabic keys carry no
    marks once folded, so they come back as they are.
    """
    if key.isascii():
        return key
    bare = "".join(c for c in unicodedata.normalize("NFD", key) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def _trigrams(key: str) -> set[str]:
    padded = f" {key} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _edit_distance(a: str, b: str, cap: int) -> int:
    """Return the Levenshtein distance of a and b, or cap+1 once it must exceed cap."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > cap:
            return cap + 1
        prev = cur
    return prev[-1]


@dataclass
class Catalog:
    """Alias indexes over the entries of entities.json."""

    entries: list[Entry]
    by_id: dict[str, Entry] = field(init=False)
    phrases: dict[str, list[Phrase]] = field(init=False)
    # Keys of accented aliases without their accents -> those aliases' keys.
    unaccented: dict[str, list[str]] = field(init=False)
    # First token key -> phrase lengths in tokens, longest first, for scanning text.
    lengths: dict[str, tuple[int, ...]] = field(init=False)
    _grams: dict[str, list[str]] | None = field(init=False, default=None)
    _starts: frozenset[str] | None = field(init=False, default=None, repr=False)
    # Name -> resolved entries: the same tagger names recur from article to article.
    _resolved: dict[str, tuple[Entry, ...]] = field(
        init=False, default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.by_id = {e.id: e for e in self.entries}
        self.phrases = {}
        lengths: dict[str, set[int]] = {}
        for entry in self.entries:
            for alias in entry.all_names():
                key = alias_key(alias)
                if not key:
                    continue
                exact = alias.isascii() and alias.replace(".", "").isupper() and len(alias) <= 6
                phrase = Phrase(entry, alias, alias in entry.weak, exact)
                found = self.phrases.setdefault(key, [])
                if all(p.entry.id != entry.id for p in found):
                    found.append(phrase)
                parts = key.split(" ")
                lengths.setdefault(parts[0], set()).add(len(parts))
        self.lengths = {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}
        self.unaccented = {}
        for key in self.phrases:
            bare = unaccented(key)
            if bare != key and bare not in self.phrases:
                self.unaccented.setdefault(bare, []).append(key)

    @classmethod
    def load(cls, path: Path | None = None) -> Catalog:
        """Return the catalog of the committed table (cached: loaded once per process)."""
        return _load(str(path or DATA))

    def get(self, entry_id: str) -> Entry | None:
        """Return the entry with this id, if any."""
        return self.by_id.get(entry_id)

    def resolve(self, name: str) -> list[Entry]:
        """Return the entries whose alias equals `name` after folding and clitic stripping, or,
        failing that, equals it but for the accents of Latin letters (Gazze Seridi).

        Several entries mean the name is ambiguous (عمان: Oman and Amman).
        """
        found = self._resolved.get(name)
        if found is None:
            if len(self._resolved) > 100_000:  # bound memory on long-running bots
                self._resolved.clear()
            found = self._resolved[name] = self._resolve(name)
        return list(found)

    def _resolve(self, name: str) -> tuple[Entry, ...]:
        tokens = tokenize(name)
        if not tokens:
            return ()
        rest = [t.key for t in tokens[1:]]
        for first in clitic_variants(tokens[0].key):
            found = self.phrases.get(" ".join([first, *rest]))
            if found:
                return tuple(p.entry for p in found)
        key = unaccented(" ".join(t.key for t in tokens))
        if len(key) < MIN_UNACCENTED:
            return ()
        found = {p.entry.id: p.entry for a in self.unaccented.get(key, ()) for p in self.phrases[a]}
        return tuple(found.values())

    def start_forms(self) -> frozenset[str]:
        """Return every token key that may begin an alias in text, clitics included (a superset).

        Scanning text, one set lookup per token then skips the words that begin no alias.
        """
        if self._starts is None:
            self._starts = frozenset().union(*(clitic_forms(first) for first in self.lengths))
        return self._starts

    def suggest(self, name: str, limit: int = 5) -> list[Entry]:
        """Return the entries whose aliases look most like a misspelt `name`, best first."""
        key = alias_key(name)
        if not key:
            return []
        grams = self._gram_index()
        query = _trigrams(key)
        overlap: Counter[str] = Counter()
        for gram in query:
            overlap.update(grams.get(gram, ()))
        # Dice coefficient on trigrams picks candidates; edit distance orders close calls.
        scored = []
        for alias, shared in overlap.most_common(60):
            dice = 2 * shared / (len(query) + len(_trigrams(alias)))
            cap = max(2, len(key) // 3)
            dist = _edit_distance(key, alias, cap=cap)
            if dist > cap and dice < 0.35:
                continue  # shares a few letter triples, but is not this name misspelt
            scored.append((dist - 3 * dice, alias))
        scored.sort()
        out: list[Entry] = []
        for _, alias in scored:
            for phrase in self.phrases[alias]:
                if phrase.entry not in out:
                    out.append(phrase.entry)
            if len(out) >= limit:
                break
        return out[:limit]

    def _gram_index(self) -> dict[str, list[str]]:
        if self._grams is None:
            grams: dict[str, list[str]] = {}
            for key in self.phrases:
                for gram in _trigrams(key):
                    grams.setdefault(gram, []).append(key)
            self._grams = grams
        return self._grams


@cache
def _load(path: str) -> Catalog:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    entries = [
        Entry(
            id=item["id"],
            type=item["type"],
            names={lang: item["names"][lang] for lang in LANGS if item["names"].get(lang)},
            aliases=tuple(item.get("aliases", ())),
            weak=frozenset(item.get("weak", ())),
            kind=item.get("kind", ""),
        )
        for item in raw
    ]
    return Catalog(entries)
