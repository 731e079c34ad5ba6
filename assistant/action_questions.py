"""Questions about actions, answered from records rather than passages.

"Which actions are overdue for HASSC?", "what is Amanda Harcus responsible for?", "what was due in
April 2019 and has it been done?", "what did HASSC ask for in June 2024?": a similarity search
cannot answer these, because the answer is a set of rows chosen by date, owner and status. This
module recognises such questions, selects the records, and writes the answer with one citation
per action pointing at its source row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from core.committees import CommitteeRegistry, committee_key
from core.dates import parse_date_range
from core.types import Action, ActionFilters, ActionStatus

_NAME_NOISE = {"the", "a", "an", "of", "for", "and", "mr", "mrs", "ms", "dr", "cllr", "councillor", "s"}
_QUESTION_NOISE = _NAME_NOISE | {
    "what", "which", "who", "is", "are", "was", "were", "has", "have", "been", "be", "it", "to", "on",
    "in", "by", "with", "at", "action", "actions", "responsible", "accountable", "owner", "owns",
    "own", "lead", "leads", "leading", "did", "does", "do", "this", "that", "about", "any",
}

_OVERDUE = re.compile(r"\b(overdue|past (?:their |its |the )?(?:due )?(?:date|deadline)s?|behind schedule|missed (?:their |its |the )?deadlines?)\b", re.I)
_LATE = re.compile(r"\blate\b", re.I)  # "which late councillor ...": only with a word for actions
_ACTION_WORDS = re.compile(r"\b(actions?|recommendations?|commitments?|tasks?|action log|action plan|asked for|requested|agreed to)\b", re.I)
_OWNER_PATTERNS = [
    re.compile(r"\bwhat (?:actions? )?(?:is|are|was|were) (?P<who>.+?) (?:responsible|accountable) for\b", re.I),
    re.compile(r"\bwhat (?:actions? )?(?:does|do|did) (?P<who>.+?) (?:own|lead on|have to do|need to do)\b", re.I),
    re.compile(r"\b(?:actions?|recommendations?|tasks?) (?:owned by|assigned to|led by|for which) (?P<who>.+?)(?: (?:is|are) (?:responsible|accountable))?\s*[?.!]?$", re.I),
    re.compile(r"\b(?:owned by|assigned to|led by) (?P<who>.+?)\s*[?.!]?$", re.I),
]
_WHO_FOR = re.compile(r"\bwho (?:is|was|are|were) (?:responsible|accountable) for (?P<what>.+?)\s*[?.!]?$|\bwho (?:owns|leads(?: on)?) (?P<what2>.+?)\s*[?.!]?$", re.I)
_DUE = re.compile(r"\b(due|deadlines?)\b", re.I)
_RAISED = re.compile(r"\b(ask(?:ed)? for|request(?:ed)?|actions? (?:were |was )?(?:raised|agreed|set)|actions? from)\b", re.I)
_STATUS_WORDS: list[tuple[re.Pattern, ActionStatus]] = [
    (re.compile(r"\b(awaiting (?:a )?response|still open|open actions?|not (?:yet )?(?:done|complete|completed))\b", re.I), ActionStatus.open),
    (re.compile(r"\b(completed?|done|closed)\b", re.I), ActionStatus.complete),
    (re.compile(r"\b(ongoing|on-going|in progress)\b", re.I), ActionStatus.ongoing),
]


_WORD = re.compile(r"[a-z0-9]+")


def _normal(text: str) -> str:
    return text.lower().replace("&", " and ").replace("’", "'").replace("'s", "")


def _tokens(text: str) -> list[str]:
    return _WORD.findall(_normal(text))


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def owner_matcher(query: str) -> Callable[[str | None], bool]:
    """A test of owner cells against a loosely written name or title: every word of it must be in
    the cell, so "Somen Banerjee" and "the Acting Corporate Director HASC" both match "Somen
    Banerjee Acting Corporate Director HASC". The query's words are read once, for many cells."""
    wanted = [t for t in _tokens(query) if t not in _NAME_NOISE]

    def matches(owner: str | None) -> bool:
        if not owner or not wanted:
            return False
        text = _normal(owner)
        if not all(t in text for t in wanted):  # each word is in the text if it is among its words
            return False
        have = set(_WORD.findall(text))
        return all(t in have for t in wanted)

    return matches


def owner_matches(query: str, owner: str | None) -> bool:
    """Whether an owner cell matches a loosely written name or title (see `owner_matcher`)."""
    return owner_matcher(query)(owner)


def committee_matcher(committee: str, registry: CommitteeRegistry) -> Callable[[str | None], bool]:
    """A test of a record's committee against a committee named any way the registry knows it."""
    resolved = registry.resolve(committee)
    key = committee_key(resolved.name if resolved else committee)
    return lambda name: bool(name) and committee_key(name) == key


def text_score(query: str, action: Action) -> float:
    """Share of the query's content words found in the action (or its recommendation)."""
    wanted = {_stem(t) for t in _tokens(query) if t not in _QUESTION_NOISE}
    if not wanted:
        return 1.0
    have = {_stem(t) for t in _tokens(" ".join(p for p in [action.action, action.recommendation or ""] if p))}
    return len(wanted & have) / len(wanted)


@dataclass(frozen=True)
class ActionQuestion:
    """What an action question asks for."""

    filters: ActionFilters
    kind: str  # "overdue" | "owner" | "who" | "due" | "raised" | "status" | "list"
    unknown_committee: str | None = None  # "HASSC" in "overdue for HASSC?" when no paper has it
    unknown_place: str | None = None  # "Leeds" in "actions in Leeds": no paper is that council's


def parse_action_question(question: str, registry: CommitteeRegistry) -> ActionQuestion | None:
    """The record query a question asks, or None when it is not a question about actions. A
    question may combine conditions ("which actions for HOSC are overdue and owned by Tom
    Okafor-Reid?"): the owner, a due-date span and a status narrow the main kind."""
    text = " ".join(question.split())
    council, rest = place_named(text, registry)
    parsed = _parse_kind(text, registry, rest)
    if parsed is None:
        return None
    if council is not None:
        parsed = replace(parsed, filters=replace(parsed.filters, council=council))
        if registry.council(council) is None:
            parsed = replace(parsed, unknown_place=council)
    if not parsed.filters.committee and parsed.kind != "who":  # "who is responsible for CQC ...?" names a topic
        named = _NAMED_ACRONYM.search(text) or _NAMED_BODY.search(text)
        if named and registry.resolve(named.group("name")) is None:
            parsed = replace(parsed, unknown_committee=named.group("name"))
    return _narrow(parsed, text)


# A committee named in full that no paper has ("overdue for the Zedland Licensing Sub-Committee?").
_NAMED_BODY = re.compile(
    r"\b(?:for|at|of)\s+(?:the\s+)?(?P<name>(?:[A-Z][\w'’&-]*\s+(?:(?:and|of|for|&)\s+)?){1,6}"
    r"(?:Committee|Sub-Committee|Subcommittee|Board|Panel|Forum|Partnership|Commission|Group))\b"
)


# "actions in Leeds", "overdue in Leeds": a place the caller names that no paper is of (a word,
# or a name with a council's noun). A longer phrase after "in" is a topic ("in adult social care").
_IN_PLACE = re.compile(
    r"\b(?:actions?|overdue|open|complete|due)\s+in\s+(?:the\s+)?(?P<place>[A-Z][\w'’-]+"
    r"(?:\s+(?:of\s+)?[A-Z][\w'’-]+)*\s+(?:Council|Borough|County|District|Parish)|[A-Z][a-z'’-]+(?!\s+[A-Z]))(?=[\s?.!,]|$)"
)
_MONTH_NAMES = frozenset(
    "january february march april may june july august september october november december".split()
)


def place_named(text: str, registry: CommitteeRegistry) -> tuple[str | None, str]:
    """The council a question names (its name as the registry has it), or a place it names that
    the registry does not know (as written); and the text without it, for finding a committee:
    "Kent County Council" is Kent, not its County Council meeting."""
    found = registry.find_council(text)
    committee = registry.find_in(text)[0] if found is not None and len(registry) else None
    if found is not None and not (committee and text[found[1][0] : found[1][1]].lower() in committee.name.lower()):
        # (A committee whose name holds the place is the committee: "Tower Hamlets Transformation
        # and Improvement Board".)
        council, (start, end) = found
        return council.name, text[:start] + text[end:]
    m = _IN_PLACE.search(text)
    if m and m.group("place").lower() not in _MONTH_NAMES and registry.resolve(m.group("place")) is None:
        return m.group("place"), text[: m.start("place")] + text[m.end("place") :]
    return None, text


# A committee named by acronym after "for", "at" or "of" ("overdue for HASSC?"). When no paper's
# committee has that acronym the answer covers every committee and says so first, rather than
# listing other committees' actions as if they were the ones asked about.
_NAMED_ACRONYM = re.compile(r"\b(?:for|at|of)\s+(?:the\s+)?(?P<name>[A-Z]{3,8})\b")


_OWNED_BY = re.compile(r"\b(?:owned by|assigned to|led by) (?P<who>.+?)\s*[?.!]?$", re.I)


def _narrow(parsed: ActionQuestion, text: str) -> ActionQuestion:
    """Add the conditions a question states beside its main kind."""
    f = parsed.filters
    owned = _OWNED_BY.search(text)
    if owned and not f.owner and parsed.kind != "who":
        f = replace(f, owner=owned.group("who").strip(" ?.,"))
    span = parse_date_range(text)
    if span and parsed.kind not in ("due", "raised"):
        if _DUE.search(text):
            f = replace(f, due_from=span.start, due_to=span.end)
        elif f.committee and _RAISED.search(text):
            f = replace(f, raised_from=span.start, raised_to=span.end)
    if parsed.kind in ("owner", "list") and not f.status:
        f = replace(f, status=status_named(text))
    return replace(parsed, filters=f)


def _parse_kind(text: str, registry: CommitteeRegistry, committee_text: str | None = None) -> ActionQuestion | None:
    committee = registry.find_in(text if committee_text is None else committee_text)[0] if len(registry) else None
    filters = ActionFilters(committee=committee.name if committee else None)
    span = parse_date_range(text)
    mentions_actions = bool(_ACTION_WORDS.search(text))

    overdue = _OVERDUE.search(text) or (mentions_actions and _LATE.search(text))
    if overdue and (mentions_actions or committee or re.search(r"\b(what|which|anything|any)\b", text, re.I)):
        return ActionQuestion(replace(filters, overdue=True), "overdue")
    who_for = _WHO_FOR.search(text)
    if who_for:
        return ActionQuestion(replace(filters, q=who_for.group("what") or who_for.group("what2")), "who")
    for pattern in _OWNER_PATTERNS:
        m = pattern.search(text)
        if m and (pattern is _OWNER_PATTERNS[0] or pattern is _OWNER_PATTERNS[1] or mentions_actions):
            who = m.group("who").strip(" ?.,")
            if who and not re.match(r"^(the )?(council|committee)$", who, re.I):
                return ActionQuestion(replace(filters, owner=who), "owner")
    if span and _DUE.search(text):
        return ActionQuestion(replace(filters, due_from=span.start, due_to=span.end), "due")
    if span and committee and _RAISED.search(text) and re.search(r"\b(what|which)\b", text, re.I):
        return ActionQuestion(replace(filters, raised_from=span.start, raised_to=span.end), "raised")
    if mentions_actions:
        for pattern, status in _STATUS_WORDS:
            if pattern.search(text):
                return ActionQuestion(replace(filters, status=status), "status")
        if committee and re.search(r"\b(list|show|what|which)\b", text, re.I) and re.search(r"\bactions?\b", text, re.I):
            return ActionQuestion(filters, "list")
    return None


def asks_overdue(text: str) -> bool:
    """Whether the text asks about overdue or late actions."""
    return bool(_OVERDUE.search(text))


def owner_named(text: str) -> str | None:
    """The owner a phrase names ("owned by Tom Okafor-Reid", "what is Amanda Harcus responsible
    for"), or None."""
    for pattern in _OWNER_PATTERNS:
        m = pattern.search(text)
        if m:
            who = m.group("who").strip(" ?.,")
            if who and not re.match(r"^(the )?(council|committee|those|these|they|them|it)$", who, re.I):
                return who
    return None


def status_named(text: str) -> ActionStatus | None:
    """The status a phrase asks for ("still open", "complete", "in progress"), or None."""
    return next((status for pattern, status in _STATUS_WORDS if pattern.search(text)), None)


def select(actions: list[Action], filters: ActionFilters, as_of: date, registry: CommitteeRegistry) -> list[Action]:
    """Apply every filter; owner and topic words are matched loosely."""
    out = actions
    if filters.committee:
        in_committee = committee_matcher(filters.committee, registry)
        out = [a for a in out if in_committee(a.committee)]
    if filters.council:
        council = registry.council(filters.council)
        papers = council.documents if council else set()
        out = [a for a in out if a.document_id in papers]
    if filters.status:
        out = [a for a in out if a.status == filters.status]
    if filters.overdue is not None:
        out = [a for a in out if a.is_overdue(as_of) == filters.overdue]
    if filters.due_from:
        out = [a for a in out if a.due_date and a.due_date >= filters.due_from]
    if filters.due_to:
        out = [a for a in out if a.due_date and a.due_date <= filters.due_to]
    if filters.raised_from:
        out = [a for a in out if a.meeting_date and a.meeting_date >= filters.raised_from]
    if filters.raised_to:
        out = [a for a in out if a.meeting_date and a.meeting_date <= filters.raised_to]
    if filters.owner:
        owns = owner_matcher(filters.owner)
        owned = [a for a in out if owns(a.owner)]
        out = owned or [a for a in out if owns(a.lead)]
    if filters.q:
        scored = [(text_score(filters.q, a), a) for a in out]
        best = max((s for s, _ in scored), default=0.0)
        # Only the best-matching actions: half the words of "the Carers' College" is "carers".
        out = [a for s, a in sorted(scored, key=lambda x: -x[0]) if s >= max(0.5, best)]
    return out


def _day(d: date | None) -> str:
    return d.strftime("%-d %B %Y") if d else "no date"


def _span(start: date | None, end: date | None) -> str:
    if start and end:
        return f"between {_day(start)} and {_day(end)}"
    return f"from {_day(start)}" if start else f"by {_day(end)}"


def _short(text: str | None, words: int = 24) -> str:
    w = (text or "").split()
    return " ".join(w[:words]) + (" …" if len(w) > words else "")


def _line(n: int, a: Action, as_of: date) -> str:
    parts = [f"owner: {a.owner or 'not recorded'}", f"due {a.due_text or 'no date given'}"]
    status = a.status.value
    if a.status == ActionStatus.open and a.response:
        status += f' ("{_short(a.response, 8)}")'
    elif a.status == ActionStatus.responded and a.response:
        status += f": {_short(a.response, 12)}"
    parts.append(f"status: {status}")
    if a.is_overdue(as_of):
        parts.append("no update recorded in the paper" if a.overdue_kind(as_of) == "no_update_recorded" else "overdue, response awaited")
    return f"{n}. {_short(a.action)} ({'; '.join(parts)}) [{n}]"


def compose(question: ActionQuestion, selected: list[Action], as_of: date, limit: int = 10) -> str:
    """A short answer listing each action with owner, due date and status, with [n] markers that
    match the citations (the first `limit` actions, in order)."""
    f = question.filters
    scope = f" for {f.committee}" if f.committee else ""
    if f.council and not question.unknown_place:
        scope += f" in the papers of {f.council}"
    if f.owner:
        scope += f" owned by {f.owner}"
    if f.due_from or f.due_to:
        scope += f" due {_span(f.due_from, f.due_to)}"
    if f.raised_from or f.raised_to:
        scope += f" raised at meetings {_span(f.raised_from, f.raised_to)}"
    when = f" as of {_day(as_of)}"
    n = len(selected)
    noun = "action" if n == 1 else "actions"
    unknown = f"No committee called “{question.unknown_committee}” is in the papers" if question.unknown_committee else ""
    if question.unknown_place:
        # Nothing of another council stands in for the place asked about: the answer is empty.
        return f"No council called “{question.unknown_place}” is in the papers, so no action records answer this{when}."
    if question.kind == "overdue":
        if not n and unknown:
            return f"{unknown}, and no actions of any committee are overdue{when}."
        if not n:
            return f"No actions{scope} are overdue{when}, in the action records of the ingested papers."
        awaiting = [a for a in selected if a.overdue_kind(as_of) == "awaiting_response"]
        silent = [a for a in selected if a.overdue_kind(as_of) == "no_update_recorded"]
        head = f"{n} {noun}{scope} {'is' if n == 1 else 'are'} overdue{when}"
        detail = []
        if awaiting:
            detail.append(f"{len(awaiting)} with a response still awaited")
        if silent:
            detail.append(f"{len(silent)} past due with no update recorded (the paper has no response column)")
        head += f" ({'; '.join(detail)}):"
    elif not n:
        return f"{unknown + ', and no' if unknown else 'No'} action records{scope} match this question{when}."
    else:
        if question.kind == "who":
            head = f"{n} {noun} match{'es' if n == 1 else ''} \"{f.q}\"{when}"
        else:
            head = f"{n} {noun}{scope}{when}"
        counts: dict[str, int] = {}
        for a in selected:
            counts[a.status.value] = counts.get(a.status.value, 0) + 1
        overdue = sum(1 for a in selected if a.is_overdue(as_of))
        summary = ", ".join(f"{v} {k}" for k, v in counts.items())
        head += f" ({summary}{f'; {overdue} overdue' if overdue else ''}):"
    if unknown:
        head = f"{unknown}, so this covers every committee. {head}"
    lines = [head, *(_line(i + 1, a, as_of) for i, a in enumerate(selected[:limit]))]
    if n > limit:
        lines.append(f"… and {n - limit} more (see the actions list).")
    return "\n".join(lines)
