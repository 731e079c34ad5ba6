"""Committee names: one canonical key however a paper or a member writes the name.

"Health and Adults Scrutiny Sub-Committee", "Health & Adults Scrutiny Sub Committee", "HASSC" and
"health and adults scrutiny" all resolve to the same committee.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.councils import Council, place_pattern

# The nouns a committee's name ends in ("Planning Committee", "Cabinet", "Trust Board").
COMMITTEE_NOUNS = (
    r"committee|sub[- ]?committee|subcommittee|panel|board|cabinet|council|forum|group|commission|"
    r"partnership|executive|assembly|authority|working party|task(?:\s+and\s+finish)? group|"
    r"scrutiny|conference|trust"
)
_A_NAME = re.compile(rf"^(?:[A-Z][\w'’&.-]*\s+(?:(?:and|of|for|the|&)\s+)?){{0,6}}(?:{COMMITTEE_NOUNS})$", re.I)


def is_committee_name(text: str) -> bool:
    """Whether a line is a committee's name and nothing else ("Cabinet", "Planning Committee")."""
    return bool(_A_NAME.match(text.strip())) and text.strip()[:1].isupper()


_GENERIC = {"the", "of", "and", "for", "committee", "sub", "panel", "board", "meeting", "council"}
_SMALL = {"and", "of", "the", "for", "&", "on", "in"}


def committee_key(name: str) -> str:
    """Normalised name used to compare and filter: lower case, '&' as 'and', no punctuation."""
    s = name.lower().replace("&", " and ")
    s = re.sub(r"sub[\s-]*committee", "sub committee", s)
    s = re.sub(r"[^a-z0-9]+", " ", s)
    words = [w for w in s.split() if w != "the"]
    return " ".join(words)


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def significant_words(name: str) -> set[str]:
    return {_stem(w) for w in committee_key(name).split() if w not in _GENERIC}


def acronym_candidates(name: str) -> set[str]:
    """Initialisms a paper might use: 'Health and Adults Scrutiny Sub-Committee' -> HASSC, HASC."""
    words = re.findall(r"[A-Za-z]+", name.replace("-", " "))
    content = [w for w in words if w.lower() not in _SMALL]
    out = {"".join(w[0] for w in content).upper()}
    out.add("".join(w[0] for w in words).upper())
    return {a for a in out if len(a) >= 3}


def _named_tail(key: str, qkey: str) -> int:
    """Length of the longest ending of a committee's name that the question contains, when that
    ending has at least two distinctive words and ends in the committee's own noun; else 0."""
    words = key.split()
    for start in range(1, len(words) - 1):
        tail = words[start:]
        if len([w for w in tail if w not in _GENERIC]) >= 2 and f" {' '.join(tail)} " in qkey:
            return len(" ".join(tail))
    return 0


@dataclass
class Committee:
    name: str
    acronyms: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return committee_key(self.name)


class CommitteeRegistry:
    """The committees known from ingested papers, matched against free text."""

    def __init__(self, committees: list[Committee] | None = None, councils: list[Council] | None = None) -> None:
        self._by_key: dict[str, Committee] = {}
        self._councils: dict[str, Council] = {}
        self._places: re.Pattern | None = None
        for c in committees or []:
            self.add(c.name, c.acronyms, c.aliases)
        for council in councils or []:
            self.add_council(council)

    def add(self, name: str, acronyms: set[str] | None = None, aliases: set[str] | None = None) -> Committee:
        key = committee_key(name)
        c = self._by_key.get(key)
        if c is None:
            c = self._by_key[key] = Committee(name=name)
        c.acronyms |= {a.upper() for a in acronyms or set()}
        c.aliases |= set(aliases or set())
        return c

    def __iter__(self):
        return iter(sorted(self._by_key.values(), key=lambda c: c.name))

    def __len__(self) -> int:
        return len(self._by_key)

    def resolve(self, text: str) -> Committee | None:
        """The committee a name, acronym or alias refers to, or None."""
        key = committee_key(text)
        if key in self._by_key:
            return self._by_key[key]
        for c in self._by_key.values():
            if text.strip().upper() in c.acronyms or key in {committee_key(a) for a in c.aliases}:
                return c
        return self.find_in(text)[0]

    def find_in(self, question: str) -> tuple[Committee | None, bool]:
        """The committee a question names, and whether it was named by acronym (unambiguous)
        rather than by its full name or distinctive words."""
        tokens = set(re.findall(r"[A-Za-z]{2,}", question))
        for c in self._by_key.values():
            if c.acronyms & {t.upper() for t in tokens if t.isupper() or len(t) >= 4}:
                return c, True
        qkey = f" {committee_key(question)} "
        best: tuple[int, Committee] | None = None
        qwords = {_stem(w) for w in qkey.split()}
        for c in self._by_key.values():
            names = [c.name, *c.aliases]
            tail = _named_tail(c.key, qkey)
            if any(f" {committee_key(n)} " in qkey for n in names):
                score = 100 + len(c.key)
            elif tail:
                # "the Transformation and Improvement Board" for "Tower Hamlets Transformation and
                # Improvement Board": the end of the name, with at least two distinctive words.
                score = 50 + tail
            else:
                # Without the full name, every distinctive word must be there, and there must be at
                # least two: "county" alone does not name the County Council.
                sig = significant_words(c.name)
                if len(sig) < 2 or not sig <= qwords:
                    continue
                score = len(sig)
            if best is None or score > best[0]:
                best = (score, c)
        return (best[1], False) if best else (None, False)

    # --- councils: whose papers (core.councils) --------------------------------------------------

    def add_council(self, council: Council) -> Council:
        self._councils[council.place.lower()] = council
        self._places = None
        return council

    def council_of(self, document_id: str) -> Council | None:
        """The council whose paper a document is, when the papers say."""
        return next((c for c in self._councils.values() if document_id in c.documents), None)

    @property
    def councils(self) -> list[Council]:
        return sorted(self._councils.values(), key=lambda c: c.place)

    def council(self, text: str) -> Council | None:
        """The council a name or place refers to ("Croydon", "London Borough of Croydon"), or None."""
        key = " ".join(text.split()).lower()
        key = re.sub(r"^the\s+", "", key)
        if key in self._councils:
            return self._councils[key]
        return next((c for c in self._councils.values() if c.name.lower() == key), None)

    def find_council(self, text: str) -> tuple[Council, tuple[int, int]] | None:
        """The first council a text names, by its name or its place, and where (a full name's span
        when written out: "Kent County Council", not just "Kent"). A text in lower case only
        ("what about croydon?") is read without regard to case."""
        if not self._councils:
            return None
        if self._places is None:
            self._places = place_pattern([*(c.place for c in self._councils.values()), *(c.name for c in self._councils.values())])
        pattern = self._places
        if text[1:] == text[1:].lower():
            pattern = re.compile(pattern.pattern, re.I)
        m = pattern.search(text)
        if m is None:
            return None
        found = self.council(m.group(0))
        start, end = m.span()
        written = re.compile(rf"\b(?:the\s+)?{re.escape(found.name)}\b", re.I).search(text)
        if written and written.start() <= start < written.end():
            start, end = written.span()
        return found, (start, end)

    def councils_of(self, committee: str) -> list[Council]:
        """The councils that have papers of this committee."""
        key = committee_key(committee)
        return [c for c in self.councils if any(committee_key(n) == key for n in c.committees)]
