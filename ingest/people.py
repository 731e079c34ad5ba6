"""Who a paper names, so that an action's owner written as initials ("NO", "JH", "DHO") or as
the subject of its text ("Cabinet Office Transparency Team to publish ...") becomes a name.

Minutes give their attendance in a few ways: "Nick Oakhill (NO) CHAIR", "Present: Cllrs J Brown
(JB), P Green (PG)", a table of members with their initials, or just the names ("Councillors D
Richardson (Chair), R Healey, S Linsley"). Initials are read where the paper gives them and
derived from full names otherwise (first and last name's initials, and first, middle or second
letter forms such as "DHO" for Dave Horkan when the paper itself uses them).
"""

from __future__ import annotations

import re

_NAME = r"(?:(?:Cllr|Councillor|Mr|Mrs|Ms|Miss|Dr|Prof(?:essor)?)\.?\s+)?([A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,2})"
_WITH_INITIALS = re.compile(_NAME + r"\s*\(([A-Z]{2,4})\)")
_STOP = {"The", "This", "That", "Chair", "Clerk", "Vice", "Present", "Apologies", "Members", "Public", "Council", "Parish"}
# "X to <verb>": the subject that owns an action written as a sentence.
SUBJECT_OWNER = re.compile(
    r"^\W*(?:action\s*[:–-]\s*)?"
    r"((?:the\s+)?(?:[A-Z][\w&'’./-]*(?:\s+(?:and|&|of|for)\s+|\s+)){0,5}?(?:[A-Z][\w&'’./-]*|clerk|chair(?:man)?|secretary|treasurer|team|officers?))"
    r"\s+(?:to|will|would|agreed\s+to|was\s+asked\s+to|were\s+asked\s+to|promised\s+to|undertook\s+to|offered\s+to)\s+(?!be\b)([a-z]+)\b"
)
# What an ACTION column holds: initials ("JB", "JB/TH"), a role ("Clerk", "RFO"), a councillor
# ("Cllr Hale") or a full name ("Jane Brown"), or several joined ("Clerk/JB", "JB & TH").
_OWNER_ATOM = (
    r"(?:[A-Z]{2,4}|(?:the\s+)?(?:Clerk|Chair(?:man|woman)?|Vice[- ]Chair(?:man)?|Secretary|Treasurer|RFO|Proper Officer|Mayor)"
    r"|(?:Cllrs?|Councillors?)\.?\s+[A-Z][\w'’-]+"
    r"|[A-Z][a-z'’-]+\s+(?!(?:Council|Committee|Meeting|Minutes|Agenda|Report|Plan|Road|Street|Lane|Hall|Park|Green|Centre)\b)[A-Z][a-z'’-]+)"
)
OWNER_CELL = re.compile(rf"^{_OWNER_ATOM}(?:\s*[/&,]\s*{_OWNER_ATOM}|\s+and\s+{_OWNER_ATOM})*$")
_NOT_OWNERS = re.compile(r"^(?:it|this|that|there|they|we|all|members|councillors|everyone|nobody|the\s+(?:committee|council|meeting|board|panel|group))$", re.I)


def people(text: str) -> dict[str, str]:
    """Initials -> full name, from a paper's own text: "Nick Oakhill (NO)", then the names it
    lists, by their initials when no two share them."""
    out: dict[str, str] = {}
    for m in _WITH_INITIALS.finditer(text):
        words, initials = m.group(1).split(), m.group(2)
        # "Clive Smith Heidi Dennnison (HD)": the words the initials are of, not the name before.
        for start in range(len(words)):
            part = words[start:]
            if "".join(w[0] for w in part) == initials or (len(part) == 2 and part[0][0] + part[-1][:2].upper() == initials):
                words = part
                break
        if words[0] not in _STOP:
            out.setdefault(initials, " ".join(words))
    derived: dict[str, set[str]] = {}
    for m in re.finditer(_NAME, text[:20000]):
        name = m.group(1)
        words = name.split()
        if words[0] in _STOP or any(w in _STOP for w in words):
            continue
        for initials in {words[0][0] + words[-1][0], "".join(w[0] for w in words), words[0][0] + words[-1][:2].upper()}:
            derived.setdefault(initials.upper(), set()).add(name)
    for initials, names in derived.items():
        if initials not in out and len(names) == 1:
            out[initials] = next(iter(names))
    return out


def resolve(owner: str | None, known: dict[str, str]) -> tuple[str | None, str | None]:
    """(owner as a name, the initials it was written as) for an owner cell or subject: "NO" ->
    ("Nick Oakhill", "NO"); "Esme" -> "Esme Clark" when the paper names one Esme; "HS/BB" stays
    as written when either is unknown."""
    if not owner:
        return owner, None
    text = owner.strip()
    titled = re.fullmatch(r"(?:Cllr|Councillor|Mr|Mrs|Ms|Miss|Dr)\.?\s+([A-Z][a-z'’-]+)", text)
    if titled:  # "Cllr Parker" -> "John Parker" when the paper names one Parker
        full = {name for name in known.values() if name.split()[-1] == titled.group(1)}
        if len(full) == 1:
            return next(iter(full)), None
    if re.fullmatch(r"[A-Z][a-z'’-]+", text):
        full = {name for name in known.values() if name.split()[0] == text}
        if len(full) == 1:
            return next(iter(full)), None
    parts = re.split(r"\s*[/&,]\s*|\s+and\s+", text)
    if all(re.fullmatch(r"[A-Z]{2,4}", p) for p in parts):
        names = [known.get(p) for p in parts]
        if all(names):
            return " / ".join(names), text
        return text, text
    return text, None


def subject_owner(action: str) -> str | None:
    """The owner an action names as its subject ("Department for Transport to develop ...",
    "NO to write to ...", "The Clerk will contact ..."), or None."""
    m = SUBJECT_OWNER.match(action)
    if not m:
        return None
    owner = re.sub(r"^(?:the\s+)", "", m.group(1), flags=re.I).strip(" .,")
    if _NOT_OWNERS.match(owner) or len(owner.split()) > 7:
        return None
    return owner[:1].upper() + owner[1:]
