"""Dates as council papers write them: "4 Jun 2024", "13th March 2025", "15.05.24", "Summer 2016".

Shared by ingest (meeting dates, due dates) and query understanding ("in 2022", "since March 2024").
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    name.lower(): i
    for i in range(1, 13)
    for name in (calendar.month_name[i], calendar.month_abbr[i])
}
MONTHS["sept"] = 9
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"

_SEP = r"(?:\s+|\s*[-‐‑–/]\s*)"  # "13 March 2025", "13th-Mar-2025", "Mar-2011"
DAY_MONTH_YEAR = re.compile(rf"\b{_WEEKDAY}({_DAY})(?:\s+of)?{_SEP}({_MONTH})\.?,?{_SEP}((?:19|20)\d\d)\b", re.I)
MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\.?\s+({_DAY}),?\s+((?:19|20)\d\d)\b", re.I)
NUMERIC = re.compile(r"\b([0-3]?\d)[./]([01]?\d)[./]((?:19|20)?\d\d)\b")
ISO = re.compile(r"\b((?:19|20)\d\d)-([01]\d)-([0-3]\d)\b")
MONTH_YEAR = re.compile(rf"\b({_MONTH})\.?,?{_SEP}((?:19|20)\d\d)\b", re.I)
SEASON_YEAR = re.compile(r"\b(early|mid|late|spring|summer|autumn|fall|winter|end of)\s+((?:19|20)\d\d)\b", re.I)
QUARTER_YEAR = re.compile(r"\bQ([1-4])\s*(?:of\s+)?((?:19|20)\d\d)(?:\s*[-/]\s*(\d\d))?\b", re.I)
YEAR = re.compile(r"\b((?:19|20)\d\d)\b")


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


@dataclass(frozen=True)
class DateMatch:
    value: date
    start: int
    end: int
    precision: str  # "day" | "month" | "period" | "year"


def find_dates(text: str) -> list[DateMatch]:
    """All full dates (day, month, year) in text, in order of appearance."""
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []

    def add(value: date | None, m: re.Match) -> None:
        if value and not any(s < m.end() and m.start() < e for s, e in taken):
            found.append(DateMatch(value, m.start(), m.end(), "day"))
            taken.append((m.start(), m.end()))

    for m in DAY_MONTH_YEAR.finditer(text):
        day = int(re.sub(r"\D", "", m.group(1)))
        add(_safe_date(int(m.group(3)), MONTHS[m.group(2).lower()[:3]], day), m)
    for m in MONTH_DAY_YEAR.finditer(text):
        day = int(re.sub(r"\D", "", m.group(2)))
        add(_safe_date(int(m.group(3)), MONTHS[m.group(1).lower()[:3]], day), m)
    for m in ISO.finditer(text):
        add(_safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3))), m)
    for m in NUMERIC.finditer(text):
        y = int(m.group(3))
        y = y + 2000 if y < 100 else y
        add(_safe_date(y, int(m.group(2)), int(m.group(1))), m)  # UK order: day first
    return sorted(found, key=lambda d: d.start)


def first_date(text: str) -> date | None:
    dates = find_dates(text)
    return dates[0].value if dates else None


def parse_date(text: str) -> date | None:
    """A single date written in full ("03 September 2024", "15.05.24", "2024-09-03")."""
    return first_date(text)


_SEASON_END = {"spring": 5, "summer": 8, "autumn": 11, "fall": 11, "winter": 2, "early": 4, "mid": 7, "late": 12, "end of": 12}


_BARE_QUARTER = re.compile(r"\bQ([1-4])\b", re.I)


def parse_due(text: str, default_year: int | None = None) -> date | None:
    """A deadline as written in an action log, resolved to the last day of the period it names.

    "03 September 2024" -> that day; "Jan 2016" -> 31 Jan 2016; "Summer 2016" -> 31 Aug 2016;
    "Q3 2024" -> 30 Sep 2024; "Silver – December 2018 Gold - 2022" -> 31 Dec 2018 (the first);
    "2022" -> 31 Dec 2022. "Ongoing", "TBC" and blank give None. A quarter with no year ("Q3")
    is read in `default_year` (the year of the meeting), when given.
    """
    if not text or not text.strip():
        return None
    candidates: list[tuple[int, date]] = []
    for d in find_dates(text):
        candidates.append((d.start, d.value))
    for m in MONTH_YEAR.finditer(text):
        candidates.append((m.start(), month_end(int(m.group(2)), MONTHS[m.group(1).lower()[:3]])))
    for m in SEASON_YEAR.finditer(text):
        season, y = m.group(1).lower(), int(m.group(2))
        month = _SEASON_END[season]
        year = y + 1 if season == "winter" else y
        candidates.append((m.start(), month_end(year, month)))
    for m in QUARTER_YEAR.finditer(text):
        q, y = int(m.group(1)), int(m.group(2))
        candidates.append((m.start(), month_end(y, q * 3)))
    if not candidates and default_year:
        for m in _BARE_QUARTER.finditer(text):
            candidates.append((m.start(), month_end(default_year, int(m.group(1)) * 3)))
    if not candidates:
        for m in YEAR.finditer(text):
            candidates.append((m.start(), date(int(m.group(1)), 12, 31)))
    if not candidates:
        return None
    return min(candidates, key=lambda c: c[0])[1]


@dataclass(frozen=True)
class DateRange:
    start: date | None
    end: date | None
    text: str


def _period(text: str) -> tuple[date, date] | None:
    """The span a phrase names: "2022", "March 2024", "4 June 2024"."""
    d = first_date(text)
    if d:
        return d, d
    m = MONTH_YEAR.search(text)
    if m:
        y, mo = int(m.group(2)), MONTHS[m.group(1).lower()[:3]]
        return date(y, mo, 1), month_end(y, mo)
    m = YEAR.search(text)
    if m:
        y = int(m.group(1))
        return date(y, 1, 1), date(y, 12, 31)
    return None


_RANGE_PATTERNS = [
    (re.compile(rf"\b(?:since|after|from)\s+((?:{_DAY}\s+)?(?:{_MONTH}\s+)?(?:19|20)\d\d)", re.I), "since"),
    (re.compile(rf"\b(?:before|until|up to|prior to)\s+((?:{_DAY}\s+)?(?:{_MONTH}\s+)?(?:19|20)\d\d)", re.I), "before"),
    (re.compile(rf"\bbetween\s+((?:{_MONTH}\s+)?(?:19|20)\d\d)\s+and\s+((?:{_MONTH}\s+)?(?:19|20)\d\d)", re.I), "between"),
    (re.compile(rf"\b(?:in|on|during|at|of|for)\s+((?:{_DAY}\s+)?(?:{_MONTH}\s+)?(?:19|20)\d\d)\b", re.I), "in"),
]


def parse_date_range(question: str) -> DateRange | None:
    """The time span a question asks about, if it names one ("in 2022", "since March 2024")."""
    for pattern, kind in _RANGE_PATTERNS:
        m = pattern.search(question)
        if not m:
            continue
        first = _period(m.group(1))
        if not first:
            continue
        if kind == "since":
            return DateRange(first[0], None, m.group(0))
        if kind == "before":
            return DateRange(None, first[0], m.group(0))
        if kind == "between":
            second = _period(m.group(2))
            return DateRange(first[0], second[1] if second else None, m.group(0))
        return DateRange(first[0], first[1], m.group(0))
    return None
