"""Understand a question before searching: which committee it names and what time it asks about.

A committee named in the question, by acronym ("HASSC") or in words ("the county council"), becomes
a preference: its passages rank higher but others stay in reach, because papers of one committee
discuss another ("which body speaks for GP practices at HOSC?" is answered in the County Council's
questions, not in HOSC's own papers). Only the caller's committee filter restricts. A date in
the question ("in 2022", "since March 2024") becomes a boost for passages from that period or that
mention it, because the year often refers to the content (a table of lets by year), not the date
of the meeting, and a hard filter would hide the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.committees import Committee, CommitteeRegistry
from core.dates import DateRange, parse_date_range
from core.intent import Intent, intents_of
from core.types import SearchFilters


@dataclass(frozen=True)
class QueryPlan:
    text: str
    filters: SearchFilters
    committee: Committee | None = None  # committee named in the question
    prefer: SearchFilters | None = None  # softer: rank these passages higher, keep the others
    dates: DateRange | None = None
    intents: frozenset[Intent] = frozenset()  # kinds of answer the question expects


def plan_query(question: str, filters: SearchFilters, registry: CommitteeRegistry) -> QueryPlan:
    """Work out filters and boosts for a question."""
    text = " ".join(question.split())
    committee, _ = registry.find_in(text) if len(registry) else (None, False)
    prefer = None
    if filters.committee:
        resolved = registry.resolve(filters.committee)
        if resolved:
            filters = replace(filters, committee=resolved.name)
    elif committee:
        prefer = replace(filters, committee=committee.name)
    return QueryPlan(
        text=text,
        filters=filters,
        committee=committee,
        prefer=prefer,
        dates=parse_date_range(text),
        intents=intents_of(text),
    )
