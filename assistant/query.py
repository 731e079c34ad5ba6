"""Understand a question before searching: which committee it names and what time it asks about.

A committee named by acronym or full name becomes a filter (unless the caller set one); a date in
the question ("in 2022", "since March 2024") becomes a boost for passages from that period or that
mention it, because the year often refers to the content (a table of lets by year), not the date
of the meeting, and a hard filter would hide the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.committees import Committee, CommitteeRegistry
from assistant.dates import DateRange, parse_date_range
from assistant.types import SearchFilters


@dataclass(frozen=True)
class QueryPlan:
    text: str
    filters: SearchFilters
    committee: Committee | None = None  # committee named in the question
    committee_from_question: bool = False
    dates: DateRange | None = None


def plan_query(question: str, filters: SearchFilters, registry: CommitteeRegistry) -> QueryPlan:
    """Work out filters and boosts for a question."""
    text = " ".join(question.split())
    committee = registry.find_in(text) if len(registry) else None
    from_question = False
    if committee and not filters.committee:
        filters = replace(filters, committee=committee.name)
        from_question = True
    elif filters.committee:
        resolved = registry.resolve(filters.committee)
        if resolved:
            filters = replace(filters, committee=resolved.name)
    return QueryPlan(
        text=text,
        filters=filters,
        committee=committee,
        committee_from_question=from_question,
        dates=parse_date_range(text),
    )
