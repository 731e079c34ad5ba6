"""Records that are one matter, followed from meeting to meeting and body to body.

Two records are linked only on evidence the papers print, never on a resemblance of topic:
- the same decision number (24/00093) in both, or in the items they sit under;
- the same item or report title (its content words nearly all shared, and enough of them to name
  a matter: "Minutes" or "Planning" name none) in papers of the same council;
- for action records, the same action text in a later log of the same council.
Anything weaker is left unlinked: a missed link shows a shorter chain and says so; a wrong link
would tell a member that one matter's outcome was another's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.text import content_words
from core.types import Action, ActionStatus, Chain, ChainStep, Decision, DecisionKind
from ingest.decisions import GENERIC_TITLES

TITLE_OVERLAP = 0.8  # share of the smaller title's content words the other must hold
TITLE_WORDS = 3  # content words a title needs to name a matter
ACTION_OVERLAP = 0.85
ACTION_WORDS = 5
# Words of titles that say what kind of paper it is, not what it is about.
_TITLE_NOISE = frozenset(
    "report reports update updates review reviews item items appendix annex cover covering paper final draft decision decisions "
    "key proposed proposal recommendation recommendations minute minutes agenda cabinet county city district parish town "
    "borough committee panel board scrutiny executive response call".split()
)


def title_key(record: Decision) -> frozenset[str] | None:
    """The content words of the item or report a record belongs to, or None when its title
    names no particular matter."""
    title = record.item_title
    if not title or GENERIC_TITLES.match(title):
        return None
    words = frozenset(w for w in content_words(title) if w not in _TITLE_NOISE and not w.isdigit() and not re.fullmatch(r"\d+/\d+", w))
    return words if len(words) >= TITLE_WORDS else None


def _same_title(a: frozenset[str], b: frozenset[str]) -> bool:
    return len(a & b) >= TITLE_OVERLAP * min(len(a), len(b)) and len(a & b) >= TITLE_WORDS


def _council(record: Decision | Action) -> str:
    return (record.council if isinstance(record, Decision) else record.body) or ""


class _Sets:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        self.parent[self.find(i)] = self.find(j)


def link(records: list[Decision]) -> list[list[Decision]]:
    """The records grouped into matters (each group in meeting order); a record alone is a group of one."""
    sets = _Sets(len(records))
    # Councils number their decisions alike (24/00093 may be any council's): a number links
    # records of the same council, or of a paper whose council is not known.
    by_ref: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        for ref in r.refs:
            for j in by_ref.get(ref, []):
                if not _council(r) or not _council(records[j]) or _council(r) == _council(records[j]):
                    sets.join(i, j)
            by_ref.setdefault(ref, []).append(i)
    keyed = [(i, title_key(r)) for i, r in enumerate(records)]
    keyed = [(i, k) for i, k in keyed if k]
    for x, (i, a) in enumerate(keyed):
        for j, b in keyed[x + 1 :]:
            ri, rj = records[i], records[j]
            if _council(ri) != _council(rj):
                continue
            if ri.document_id == rj.document_id:
                continue  # one paper's item can hold several matters: only a reference links within a paper
            if _same_title(a, b):
                sets.join(i, j)
    groups: dict[int, list[Decision]] = {}
    for i, r in enumerate(records):
        groups.setdefault(sets.find(i), []).append(r)
    return [sorted(g, key=_order) for g in groups.values()]


def _order(r: Decision):
    return (r.meeting_date is None, r.meeting_date or 0, _KIND_ORDER.get(r.kind, 5))


_KIND_ORDER = {
    DecisionKind.recommendation: 0, DecisionKind.decision: 1, DecisionKind.called_in: 2, DecisionKind.referred: 3,
    DecisionKind.deferred: 3, DecisionKind.noted: 4, DecisionKind.resolution: 4,
}


def related(record: Decision, candidates: Iterable[Decision]) -> list[Decision]:
    """The records of `record`'s matter among the candidates (it included), in meeting order."""
    pool = [record, *[c for c in candidates if c.id != record.id]]
    for group in link(pool):
        if any(r.id == record.id for r in group):
            return group
    return [record]


def outcome(record: Decision) -> str:
    """What happened at one step, in a few words."""
    body = record.body or "the meeting"
    kind = record.kind
    if kind == DecisionKind.recommendation:
        said = f"recommended to {body}"
    elif kind == DecisionKind.decision:
        said = "decision taken" + (f" ({body})" if record.body else "")
    elif kind == DecisionKind.called_in:
        said = "called in for scrutiny"
    elif kind == DecisionKind.referred:
        m = re.search(r"(?i)\bto\s+((?:the\s+)?(?:full\s+|county\s+|city\s+)?(?:council|cabinet|[A-Z][\w&' -]{0,50}?(?:committee|board|panel)))\b", record.text)
        said = f"referred on by {body}" + (f" to {m.group(1)}" if m else "")
    elif kind == DecisionKind.deferred:
        said = f"deferred by {body}"
    elif kind == DecisionKind.noted:
        said = f"noted by {body}"
    else:
        said = f"resolved by {body}"
    if record.votes is not None and record.votes.summary():
        said += f" ({record.votes.summary()})"
    return said


def chain(records: list[Decision]) -> Chain:
    """One matter's records as steps, with where it stands and the gaps the papers leave."""
    steps = [ChainStep(outcome(r), decision=r) for r in records]
    last = records[-1]
    gaps: list[str] = []
    if last.kind == DecisionKind.recommendation:
        gaps.append(f"These papers hold no record of what {last.body or 'the meeting'} decided on it.")
        state = f"awaiting decision: {outcome(last)}"
    elif last.kind in (DecisionKind.called_in, DecisionKind.referred, DecisionKind.deferred):
        gaps.append("These papers hold no later record of its outcome.")
        state = outcome(last)
    else:
        state = outcome(last)
    undated = [r for r in records if r.meeting_date is None]
    if undated and len(records) > 1:
        gaps.append(f"{len(undated)} step(s) carry no meeting date, so their place in the order is not certain.")
    refs = sorted({ref for r in records for ref in r.refs if all(ref in x.refs for x in records if x.refs)})
    links = [f"decision {ref}" for ref in refs]
    if len(records) > 1 and not links:
        links.append("the same item title")
    return Chain(steps, state, gaps, links)


# --- actions: raised, updated in later logs, closed --------------------------------------------


def _action_words(a: Action) -> frozenset[str]:
    return frozenset(content_words(a.action))


def action_history(action: Action, candidates: Iterable[Action]) -> Chain:
    """The action as raised and as each later log of the same council reports it."""
    mine = _action_words(action)
    same = [action]
    if len(mine) >= ACTION_WORDS:
        for c in candidates:
            if c.id == action.id or c.document_id == action.document_id or (c.body or "") != (action.body or ""):
                continue
            theirs = _action_words(c)
            if len(theirs) >= ACTION_WORDS and len(mine & theirs) >= ACTION_OVERLAP * max(len(mine), len(theirs)):
                same.append(c)
    # One record per paper, ordered by the log's date (the paper's meeting), oldest first.
    same.sort(key=lambda a: (a.meeting_date is None, a.meeting_date or 0))
    steps = []
    for n, a in enumerate(same):
        if n == 0:
            said = "raised"
        elif a.status == ActionStatus.complete:
            said = "closed: complete"
        else:
            said = f"updated: {a.status.value}"
        if a.response:
            said += f" ({a.response[:120]})"
        steps.append(ChainStep(said, action=a))
    state = steps[-1].outcome.split(" (")[0]
    return Chain(steps, state, [], ["the same action text"] if len(same) > 1 else [])
