"""What kind of answer a question expects, and whether a passage holds that kind of thing.

Classic question answering's answer-type matching, by rules: "who wrote the report?" wants a
passage naming a person in a role, "how quickly ...?" one stating a time or a period, "what did the
council decide ...?" a resolution, "who owns the action to ...?" an action record. Retrieval lifts
passages of the expected kind a little; it never drops the others.
"""

from __future__ import annotations

import re
from enum import Enum

from core.types import Chunk


class Intent(str, Enum):
    person = "person"
    time = "time"
    decision = "decision"
    action = "action"
    quantity = "quantity"


_PERSON_Q = re.compile(
    r"^\s*(?:and\s+)?(?:who|whom|whose)\b|\b(?:name of|which (?:officer|councillor|member|director|cabinet member))\b"
    r"|\b(?:who (?:is|was|are|were)|who's)\b",
    re.I,
)
_TIME_Q = re.compile(
    r"^\s*(?:and\s+)?when\b|\b(?:by when|what time|what date|which date|how (?:quickly|soon|long)|deadline|"
    r"(?:what|which) (?:day|month|year))\b",
    re.I,
)
_DECISION_Q = re.compile(r"\b(?:decide|decided|resolve|resolved|agree|agreed|vote|voted|recommend|recommended)\b", re.I)
_QUANTITY_Q = re.compile(
    r"\b(?:how (?:many|much|big|large)|what (?:proportion|percentage|share|number|amount|fraction)|"
    r"(?:what|what's|what is|what was) the (?:[\w-]+ ){0,3}(?:total|number|figure|amount|cost|bill|value|gap|rate|sum|budget|overspend|deficit|shortfall))\b",
    re.I,
)
_ACTION_Q = re.compile(r"\b(?:actions?|action (?:log|plan))\b", re.I)
_ACTION_FIELD_Q = re.compile(r"\b(?:who|owns?|owner|owned|lead|leads|responsible|due|deadline|status|progress|update)\b", re.I)

_HONORIFIC = r"(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Councillor|Professor|Prof|Sir|Dame)\.?"
_ROLE = (
    r"(?:(?:Acting|Interim|Deputy|Assistant|Senior|Principal|Strategic|Corporate|Executive)\s+)*"
    r"(?:Chief|Head|Director|Manager|Officer|Analyst|Accountant|Headteacher|Leader|Lead|Clerk|Secretary|"
    r"Consultant|Advis[eo]r|Executive|Cabinet Member|Chairman|Chair|Solicitor|Monitoring Officer)\b"
)
_PERSON_P = re.compile(
    rf"\b{_HONORIFIC}\s+[A-Z]\b|\b{_HONORIFIC}\s+[A-Z][\w'-]+"  # Mr P Bartlett, Dr Gogarty
    r"|\b(?:Owner|Author|Report [Aa]uthor|Contact(?: [Oo]fficer| for further enquiries)?|Lead(?: [Oo]fficer| [Mm]ember)?|"
    r"Led by|Responsible(?: [Oo]fficer)?|Relevant [Dd]irector|Presented by|Ask for|Chair(?:man)?)\b\s*:?\s*[A-Z][a-z]+ [A-Z]"
    rf"|\b[A-Z][a-z]+(?: [A-Z][\w'-]+){{1,2}},? {_ROLE}"  # Joe McKay Acting Chief Accountant
    r"|\(Chair(?:man)?\)"  # an attendance list: "Harry Rayner – MEM (Chair)"
    r"|\b[A-Za-z]+\.[A-Za-z'-]+@[a-z.-]+\.(?:gov|org|nhs)\.uk\b",  # an officer's e-mail address
)
MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_TIME_P = re.compile(
    r"\b\d{1,2}(?:[.:]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)"
    r"|\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty)\s+(?:working\s+|calendar\s+|clear\s+)?(?:days?|weeks?|months?|years?)\b"
    rf"|\b(?:by|before|until|from|in|within|no later than)\s+(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{MONTHS}\s+\d{{4}}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTHS}\s+\d{{4}}\b",
    re.I,
)
_DECISION_P = re.compile(
    r"\bRESOLVED\b|\b(?:[Rr]esolved|[Aa]greed|[Dd]ecided|[Dd]etermined) (?:that|to)\b"
    r"|\bThat the (?:Council|Committee|Cabinet|Board|Panel)\b"
    r"|\b(?:motion|amendment|recommendation) was (?:carried|lost|agreed)\b"
)


# A figure: money, a percentage, a number with thousands separators or a unit, or a count that is
# not a paragraph number, a year or a day of the month.
_QUANTITY_P = re.compile(
    r"£\s?\d|\d\s?%|\b\d{1,3}(?:,\d{3})+\b|\b\d+(?:\.\d+)?\s?(?:m|bn|k|million|billion|per cent)\b"
    rf"|(?<![\d.,/-])\b(?!(?:19|20)\d\d\b)\d{{1,4}}\b(?![.,/-]?\d)(?!\.\s)(?!(?:st|nd|rd|th)?\s+{MONTHS})"
)


# Questions that ask for a figure without "how much" ("What precept did Milburn set?", "What did
# grass cutting cost?", "What will Hayes + Storr charge?"): the answer step reads them so; retrieval
# keeps `intents_of`, whose boosts were measured on the labelled questions.
_FIGURE_WORDS = re.compile(
    r"\b(?:cost|costs|costing|charge|charged|charges|pay|paid|pays|spend|spent|spending|precept|price|fee|fees|"
    r"budget|salary|wages?|rent|grant|sum|amount|total|target|rate|score|turnout|population)\b",
    re.I,
)


def answer_intents(question: str) -> frozenset[Intent]:
    """`intents_of`, and a figure for a question that asks for one in other words."""
    found = intents_of(question)
    if Intent.quantity not in found and Intent.person not in found and _FIGURE_WORDS.search(question):
        found = found | {Intent.quantity}
    return found


def intents_of(question: str) -> frozenset[Intent]:
    found: set[Intent] = set()
    if _PERSON_Q.search(question):
        found.add(Intent.person)
    if _TIME_Q.search(question):
        found.add(Intent.time)
    if _DECISION_Q.search(question):
        found.add(Intent.decision)
    if _QUANTITY_Q.search(question):
        found.add(Intent.quantity)
    if _ACTION_Q.search(question) and _ACTION_FIELD_Q.search(question):
        found.add(Intent.action)
    return frozenset(found)


_LINE_NUMBER = re.compile(r"(?m)^\s*\(?\d{1,2}(?:\.\d{1,2}){0,3}[.)]?\s")  # "4.2 ", "(3) ": paragraph numbers


def satisfies(chunk: Chunk, intent: Intent) -> bool:
    """The passage holds the kind of thing the intent asks for (as found at ingest: the patterns
    cost about 50 microseconds a passage each, too much for every candidate of every search)."""
    if chunk.answers is not None:
        return intent.value in chunk.answers
    return holds(chunk.text, intent, chunk.kind)


def answer_kinds(text: str, kind: str = "text") -> frozenset[str]:
    """Every kind of answer the passage holds, stored with it at ingest."""
    return frozenset(intent.value for intent in Intent if holds(text, intent, kind))


def holds(text: str, intent: Intent, kind: str = "text") -> bool:
    """The text (a passage of `kind`, or one of its sentences) holds what the intent asks for."""
    if intent is Intent.action:
        return kind == "action"
    if intent is Intent.person:
        return kind == "action" or bool(_PERSON_P.search(text))
    if intent is Intent.time:
        return bool(_TIME_P.search(text))
    if intent is Intent.quantity:
        return bool(_QUANTITY_P.search(_LINE_NUMBER.sub(" ", text)))
    return bool(_DECISION_P.search(text))


# A question asking who wrote, presented or is the contact for a paper, and the front-sheet field
# (at a line's start) that names them (assistant.retrieval.front_sheet).
ASKS_AUTHOR = re.compile(
    r"\b(?:wrote|written|writes|author|authored|prepared|drafted|report of|from whom|who (?:is |was )?(?:presented|presenting|submitted|sent|the contact)|contact officer|lead officer)\b",
    re.I,
)
# A front-sheet field naming who a paper is from (at a line's start).
AUTHOR_FIELD = re.compile(
    r"(?m)^\s*(?:From|Report [Aa]uthor|Author|Report of|Report by|Report from|Contact [Oo]fficer|Lead [Oo]fficer|"
    r"Responsible [Oo]fficer|Presented by|Officer [Cc]ontact|Relevant [Dd]irector|Cabinet [Mm]ember|Portfolio [Hh]older)\s*[:–-]"
)
