"""Conversations: a follow-up question understood through the turn before it, without a language model.

After "Which actions are overdue for HOSC?", "and which of those are owned by Tom Okafor-Reid?"
cannot be answered on its own. `rewrite_follow_up` turns it into a standalone question by rules:

- a refinement of an action question merges its conditions into the previous one and writes the
  result as a question the action parser reads back to the same filters ("Which actions for HOSC
  are overdue and owned by Tom Okafor-Reid?");
- an ellipsis ("what about Croydon?", "and in 2023?", "for HASSC?") swaps the matching part of the
  previous question: its date, its committee, its last proper name, or the topic after "about";
- a pronoun ("who owns it?", "when is that due?") is replaced by the previous question's topic;
- a place is never an owner: after an action question "what about Croydon?" asks for Croydon's
  actions (a council, `core.councils`), while "what about Fiona Peskett?" or "what about the Head
  of Housing?" asks for an owner's (a person or a job title).

A rewritten question keeps the conversation's place (`follow_up_scope`): the council it names, or
else the council the previous question named or whose papers its answer came from, so "who led
it?" after a Croydon answer is answered from Croydon's papers. A committee named in the follow-up
that is not that council's ends the place. A question that stands on its own is left alone and
keeps nothing of the previous turn. The rewrite only ever combines the caller's own
words with committee names from the caller's own registry, so it carries nothing they may not see;
the rewritten question is then answered under their clearance like any other. Councils, too, are
learnt only from the papers the caller may see.

The turns themselves are kept by `assistant.history.SqlConversationStore`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from assistant.action_questions import (
    ActionQuestion,
    asks_overdue,
    owner_named,
    parse_action_question,
    place_named,
    status_named,
)
from core.committees import Committee, CommitteeRegistry
from core.councils import Council
from core.dates import DateRange, month_end, parse_date_range
from core.text import STOP_WORDS
from core.types import ActionStatus, AnswerMode, Turn

# --- the rewriter ---------------------------------------------------------------------------------

_LEAD = re.compile(r"^(?:and|but|also|so|ok(?:ay)?|then|now|right)\b[,\s]*", re.I)
_ABOUT = re.compile(r"^(?:(?:what|how) about|what of|as for|(?:and )?(?:the )?same (?:for|with|about))\b[,\s]*", re.I)
_PREPOSITION_START = re.compile(r"^(?:in|for|at|from|since|during|by|on|before|after|between|until)\b", re.I)
_QUESTION_START = re.compile(
    r"^(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|has|have|had|can|could|"
    r"will|would|should|list|show|tell|give|find)\b",
    re.I,
)
_OF_THOSE = re.compile(r"\b(?:of|among|from) (?:those|these|them|the above)\b", re.I)
_ALWAYS_PRONOUNS = {"it", "its", "them", "they", "their"}
_DEMONSTRATIVES = {"this", "that", "these", "those"}
# Words after "this/that/these/those" that show it stands alone ("when is that due?") rather than
# pointing at a noun of its own ("that report").
_AFTER_PRONOUN = {
    "is", "are", "was", "were", "be", "been", "being", "due", "owned", "assigned", "led", "done", "complete",
    "completed", "about", "for", "of", "in", "on", "by", "to", "still", "now", "agreed", "decided", "approved",
    "and", "or", "with", "going", "has", "have", "had", "will", "would", "mean", "say", "said", "cost", "s",
    "actions", "action", "items", "ones", "recommendations",
}
# Words before "that" when it is a pronoun ("who owns that?") rather than a relative ("actions that").
_BEFORE_THAT = {
    "is", "was", "about", "for", "owns", "own", "of", "on", "with", "to", "does", "did", "do", "by", "from",
    "regarding", "and", "or", "when", "what", "where", "who", "how", "leads", "lead", "approve", "approved",
    "decide", "decided", "agree", "agreed", "discuss", "discussed", "fund", "funds", "funded",
}
_TOPIC_AFTER = re.compile(
    r"\b(?:about|regarding|concerning|responsible for|accountable for|decide on|happened (?:to|with)|"
    r"the status of|progress on|update on)\s+(?P<topic>.+?)\s*[?.!]*$",
    re.I,
)
_WHAT_IS = re.compile(r"^(?:what|who|which)\s+(?:is|was|are|were)\s+(?P<topic>.+?)\s*[?.!]*$", re.I)
_HOW_MUCH = re.compile(
    r"^how much\s+(?:is|are|was|were|will|did|does|has|have)\s+(?P<topic>.+?)(?:\s+(?:cost|be|get|receive|spend|raise))?\s*[?.!]*$",
    re.I,
)
# The subject of "What did the Croydon peer challenge find?", "How has the Carers' Hub done?".
_DID_SUBJECT = re.compile(
    r"^(?:what|how|why|when|where)\s+(?:did|does|do|has|have|had|will|would|should|can|could)\s+(?P<topic>.+?)\s+"
    r"(?:say|said|find|found|decide|agree|recommend|conclude|report|propose|approve|show|mean|cost|achieve|cover|"
    r"include|ask|want|plan|spend|note|identify|highlight|done|do|go|change|deliver|need)\b",
    re.I,
)
# Asking who carried something out: "it" is the one that acts (a review, a challenge, a report).
_AGENT_ASKED = re.compile(
    r"(?i)^who\s+(?:led|leads|lead|conducted|carried out|ran|runs|chaired|chairs|wrote|presented|commissioned|did)\b"
)
# "Which Croydon report covered the peer challenge?": "the Croydon report that covered ...".
_WHICH = re.compile(
    r"^which\s+(?P<noun>.+?)\s+(?P<rest>(?:is|are|was|were|has|have|had|did|does|will|would|can|could|"
    r"said|found|led|made|took|gave|\w+ed)\b.*?)\s*[?.!]*$",
    re.I,
)
_CALENDAR = {
    *"january february march april may june july august september october november december".split(),
    *"monday tuesday wednesday thursday friday saturday sunday spring summer autumn winter".split(),
}
_NAME = re.compile(r"[A-Z][A-Za-z'’-]*(?:\s+(?:(?:and|of|at|on|upon|&)\s+)?[A-Z][A-Za-z'’-]*)*")
_BODY = re.compile(r"(?i)\b(?:committee|council|board|panel|cabinet|forum|partnership|authority)\b")
# What makes a name a person or a post ("the Head of Housing Options", "Cllr Hopley") ...
_TITLE_WORDS = re.compile(
    r"(?i)\b(?:director|directorate|officer|manager|head|cllr|councillor|mayor|chair(?:man|woman|person)?|chief|"
    r"executive|lead|leader|member|commissioner|co-?ordinator|team|service|services|assistant|deputy|clerk|"
    r"secretary|treasurer|portfolio|holder|mr|mrs|ms|dr|sir|dame)\b"
)
# ... and what makes it a place ("Rookhaven District Council", "the London Borough of Sutton").
_PLACE_NOUNS = re.compile(r"\b(?:Council|Borough|County|District|Parish|Corporation)\b|\bCity of\b")
_STATUS_PHRASE = {ActionStatus.open: "still open", ActionStatus.complete: "complete", ActionStatus.ongoing: "ongoing"}


def rewrite_follow_up(question: str, previous: Turn | None, registry: CommitteeRegistry) -> str | None:
    """The standalone form of a follow-up question, or None when the question stands on its own
    (or there is no previous turn to lean on)."""
    if previous is None:
        return None
    text = " ".join(question.split())
    rest, lead, about = _strip_connective(text)
    if not rest:
        return None
    pronoun = _pronoun(rest)
    of_those = bool(_OF_THOSE.search(rest))
    elliptic = not _QUESTION_START.match(rest) and len(rest.split()) <= 12
    elliptic = elliptic and bool(about or lead or _PREPOSITION_START.match(rest))
    if not (about or pronoun or of_those or elliptic):
        return None

    out = None
    if previous.mode == AnswerMode.actions:
        asked = parse_action_question(previous.standalone, registry)
        if asked is not None:
            out = _refine_actions(asked, rest, elliptic or about, registry)
    if out is None and pronoun is not None:
        out = _substitute(rest, pronoun, _topic(previous.standalone, registry, rest))
    elif out is None and (elliptic or about):
        out = _swap(previous.standalone, rest, registry)
    if out is None:
        return None
    out = _sentence(out)
    return out if out.lower() != text.lower() else None


def _strip_connective(text: str) -> tuple[str, bool, bool]:
    """The question without "and", "also", "what about" in front, and which of those it had."""
    lead = about = False
    while True:
        m = _LEAD.match(text)
        if not m or m.end() == 0:
            break
        text, lead = text[m.end() :], True
    m = _ABOUT.match(text)
    if m:
        text, about = text[m.end() :], True
        text = _LEAD.sub("", text) if text.lower().startswith("and ") else text
    return text.strip(), lead, about


def _pronoun(text: str) -> re.Match | None:
    """The first pronoun that points back at the previous turn ("it", "them", "that" alone)."""
    words = list(re.finditer(r"[A-Za-z]+", text))
    for i, m in enumerate(words):
        word = m.group(0)
        low = word.lower()
        if low in _ALWAYS_PRONOUNS and word != "IT":  # IT: information technology
            return m
        if low in _DEMONSTRATIVES:
            after = words[i + 1].group(0).lower() if i + 1 < len(words) else None
            before = words[i - 1].group(0).lower() if i > 0 else None
            if after is not None and after not in _AFTER_PRONOUN:
                continue  # "that report": a determiner
            if low == "that" and before is not None and before not in _BEFORE_THAT:
                continue  # "actions that are late": a relative
            return m
    return None


def _topic(standalone: str, registry: CommitteeRegistry, asking: str = "") -> str:
    """What a question is about: the phrase after "about"/"responsible for", the subject of "what
    is ...", or failing those its content words. Asked who did it ("who led it?", `asking`), it is
    the one that acts in the question: "the peer review of direct payments in Croydon" for "What
    did the peer review say about direct payments in Croydon?"."""
    text = standalone.strip()
    subject = _DID_SUBJECT.match(text)
    if subject and _AGENT_ASKED.search(asking):
        about = _TOPIC_AFTER.search(text)
        return f"{subject.group('topic')} of {about.group('topic')}" if about else subject.group("topic")
    m = _TOPIC_AFTER.search(text) or _WHAT_IS.match(text) or _HOW_MUCH.match(text) or subject
    if m:
        return m.group("topic").strip()
    m = _WHICH.match(text)
    if m and m.group("noun").lower() not in ("of", "one", "ones"):
        noun = re.sub(r"(?i)^the\s+", "", m.group("noun"))
        return f"the {noun} that {m.group('rest')}"
    words = [w for w in re.findall(r"[A-Za-z0-9£%'’-]+", text) if w.lower() not in STOP_WORDS]
    return " ".join(words) or text.rstrip("?.! ")


def _substitute(text: str, pronoun: re.Match, topic: str) -> str:
    word = pronoun.group(0).lower()
    if word in ("its", "their"):
        topic = topic + ("'" if topic.endswith("s") else "'s")
    return text[: pronoun.start()] + topic + text[pronoun.end() :]


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip()
    text = re.sub(r"\s+([?.!,])", r"\1", text)
    return text[:1].upper() + text[1:] if text else text


def _strip_end(text: str) -> tuple[str, str]:
    m = re.search(r"\s*([?.!]*)\s*$", text)
    return text[: m.start()], (m.group(1) or "?")


def _span_in(text: str) -> DateRange | None:
    """A time span in an elliptic phrase: "in 2023", "since March 2024", or a bare "2023"."""
    span = parse_date_range(text)
    if span is None and re.search(r"\b(?:19|20)\d\d\b", text):
        bare = re.search(r"(?:\b\w+\s+)?(?:19|20)\d\d\b", text)
        span = parse_date_range(f"in {bare.group(0)}") if bare else None
        if span is not None:
            span = replace(span, text=bare.group(0))
    return span


def _committee_label(committee: Committee, registry: CommitteeRegistry) -> str:
    """The committee's acronym when it has exactly one that resolves back to it, else its name."""
    if len(committee.acronyms) == 1:
        acronym = next(iter(committee.acronyms))
        if registry.resolve(acronym) is committee:
            return acronym
    return committee.name


def _committee_mention(text: str, committee: Committee) -> re.Match | None:
    """Where a text names the committee (acronym, name or alias), if it does so literally."""
    for acronym in sorted(committee.acronyms, key=len, reverse=True):
        m = re.search(rf"\b{re.escape(acronym)}\b", text)
        if m:
            return m
    for name in sorted([committee.name, *committee.aliases], key=len, reverse=True):
        m = re.search(rf"(?:\bthe\s+)?\b{re.escape(name)}\b", text, re.I)
        if m:
            return m
    return None


def _names(text: str, skip_first: bool) -> list[re.Match]:
    """Capitalised names ("Tower Hamlets", "Land at Mill Lane"), not the sentence's first word,
    month names or all-capital acronyms."""
    out = []
    for m in _NAME.finditer(text):
        if skip_first and m.start() == 0:
            continue
        words = m.group(0).split()
        if all(w.lower() in STOP_WORDS or w.lower() in _CALENDAR for w in words) or m.group(0).isupper():
            continue
        out.append(m)
    return out


def _swap(previous: str, rest: str, registry: CommitteeRegistry) -> str:
    """The previous question with the part the ellipsis replaces swapped for it."""
    out, end = _strip_end(previous)
    phrase, _ = _strip_end(rest)
    placed = False

    span = _span_in(phrase)
    if span is not None:
        new_text = span.text if re.match(r"(?i)(in|on|during|since|after|from|before|until|up to|prior to|between|at|of|for)\b", span.text) else f"in {span.text}"
        old = parse_date_range(out)
        out = out.replace(old.text, new_text, 1) if old else f"{out} {new_text}"
        phrase = phrase.replace(span.text, " ").strip(" ,")
        placed = True

    committee = registry.find_in(phrase)[0] if phrase and len(registry) else None
    if committee is not None:
        label = _committee_label(committee, registry)
        before = registry.find_in(out)[0] if len(registry) else None
        mention = _committee_mention(out, before) if before is not None else None
        hit = registry.find_council(out)
        ours = hit is not None and _is_councils(committee.name, hit[0].name, registry)
        place = re.search(rf"\b(?:in|at|for)\s+{re.escape(out[hit[1][0] : hit[1][1]])}", out) if hit else None
        if hit and mention and hit[1][0] <= mention.start() < hit[1][1]:
            # The old committee is part of the council's name ("Kent County Council"): the new
            # one is the council's ("Kent Cabinet"), or another council's, which replaces it.
            new = f"{hit[0].place} {committee.name}" if ours else label
            out = out[: hit[1][0]] + new + out[hit[1][1] :]
        elif mention:
            out = out[: mention.start()] + label + out[mention.end() :]
        elif place and not ours:
            out = out[: place.start()] + f"for {label}" + out[place.end() :]  # another council's committee
        else:
            out = f"{out} for {label}"
        return out + end

    place = _place_phrase(phrase, registry)
    if place is not None:
        return _put_place(out, place, registry) + end

    names = _names(phrase, skip_first=False)
    if names:
        # The whole phrase replaces the name ("the Orchard Road depot" for "Land at Mill Lane").
        new = re.sub(r"(?i)^(?:in|for|at|on|about|of)\s+", "", phrase).strip()
        # Not a place that only describes something ("the Croydon peer challenge"): a person
        # is not a peer challenge.
        old_names = [m for m in _names(out, skip_first=True) if not _describes(out, m, registry)]
        if old_names:
            last = old_names[-1]
            out = _replace_span(out, last.start(), last.end(), new)
        else:
            joint = "and" if re.search(r"(?i)\babout\b", out) else "about"
            out = f"{out} {joint} {new}"
        return out + end

    topic = re.sub(r"(?i)^(?:in|for|on|at)\s+", "", phrase).strip()
    if topic and not placed:
        m = re.search(
            r"(?i)\b(?P<lead>about|regarding|concerning|on|for)\s+(?P<topic>.+?)(?=\s+(?:in|at|for|during|since|before|between|by)\s|$)",
            out,
        )
        if m:
            out = out[: m.start("topic")] + topic + out[m.end("topic") :]
        else:
            m = _WHAT_IS.match(out + "?")
            out = f"{out[: m.start('topic')]}{topic}" if m else f"{out} and {topic}"
    return out + end


def _describes(text: str, name: re.Match, registry: CommitteeRegistry) -> bool:
    """Whether a council's name is used to describe what follows it ("the Croydon peer challenge")."""
    if registry.find_council(name.group(0)) is None:
        return False
    return bool(re.search(r"(?i)\bthe\s+$", text[: name.start()]) and re.match(r"\s+[a-z]", text[name.end() :]))


def _replace_span(text: str, start: int, end: int, new: str) -> str:
    """`text` with [start, end) replaced by `new`, without doubling a "the" before it."""
    if re.match(r"(?i)the\s", new) and re.search(r"(?i)\bthe\s+$", text[:start]):
        new = new[4:]
    return text[:start] + new + text[end:]


def _place_phrase(phrase: str, registry: CommitteeRegistry) -> str | None:
    """The place an elliptic phrase is, when it is nothing but one ("Croydon", "in Kent", "the
    London Borough of Sutton"), else None."""
    text = re.sub(r"(?i)^(?:in|for|at|of|from)\s+", "", phrase.strip()).strip(" ,")
    hit = registry.find_council(text)
    if hit is not None:
        rest = (text[: hit[1][0]] + text[hit[1][1] :]).strip()
        return text if re.fullmatch(r"(?i)(?:the|'s|’s|council|papers|\s)*", rest) else None
    names = _names(text, skip_first=False)
    bare = re.sub(r"(?i)^the\s+", "", text)
    if len(names) == 1 and names[0].group(0) == bare and _kind_of_name(bare, registry) == "place":
        return text
    return None


def _put_place(question: str, place: str, registry: CommitteeRegistry) -> str:
    """The question with its place swapped for another: the council it names, else a committee
    that is not the new place's ("What did HOSC say ...?" -> "What did Croydon say ...?"), else
    a name after "in" or "at"; or the place added at its end."""
    hit = registry.find_council(question)
    if hit is not None:
        return _replace_span(question, hit[1][0], hit[1][1], place)
    known = registry.find_council(place)
    committee = registry.find_in(question)[0] if len(registry) else None
    mention = _committee_mention(question, committee) if committee is not None else None
    if mention is not None and not _is_councils(committee.name, known[0].name if known else place, registry):
        return _replace_span(question, mention.start(), mention.end(), place)
    after = [m for m in re.finditer(r"\b(?:in|at)\s+(?:the\s+)?(?P<name>" + _NAME.pattern + ")", question) if not _calendar(m.group("name"))]
    if after:
        last = after[-1]
        return question[: last.start("name")] + place + question[last.end("name") :]
    return f"{question} in {place}"


def _calendar(name: str) -> bool:
    return all(w.lower() in STOP_WORDS or w.lower() in _CALENDAR for w in name.split())


def _refine_actions(asked: ActionQuestion, rest: str, elliptic: bool, registry: CommitteeRegistry) -> str | None:
    """The previous action question with the follow-up's conditions merged in, written out; None
    when the follow-up is not about the same actions."""
    f, kind = asked.filters, asked.kind
    changed = False

    place, plain = place_named(rest, registry)  # "Kent County Council" is Kent, not its meeting
    committee = registry.find_in(plain)[0] if len(registry) and plain.strip() else None
    unknown_committee = None

    owner = owner_named(rest)
    if owner is None and elliptic and not _span_in(rest):
        owners = []
        for name in (m.group(0) for m in _names(_strip_end(plain)[0], skip_first=False)):
            kind_of = _kind_of_name(name, registry)
            if kind_of == "place" and place is None:
                place = name  # a place the caller's papers do not know: its actions are none
            elif kind_of == "committee" and committee is None and registry.resolve(name) is None:
                unknown_committee = name  # the caller's own words, never a name from the papers
            elif kind_of == "owner":
                owners.append(name)
        owner = max(owners, key=len) if owners else None
        acronym = re.search(r"\b[A-Z]{3,8}\b", plain)
        if acronym and not (committee or unknown_committee or place or owner):
            unknown_committee = acronym.group(0)
    if committee is not None and committee.name != f.committee:
        f, changed = replace(f, committee=committee.name), True
    elif committee is None and unknown_committee:
        f, changed = replace(f, committee=unknown_committee), True
    if place is not None:
        # A place swaps the committee, unless the follow-up names one, or the committee's name is
        # one that several councils' papers share and the place is one of them ("Which actions
        # for Cabinet ...?", "what about Croydon?": Croydon's Cabinet).
        shared = f.committee and len(registry.councils_of(f.committee)) > 1 and _is_councils(f.committee, place, registry)
        if f.committee and committee is None and not unknown_committee and not shared:
            f = replace(f, committee=None)
        f, changed = replace(f, council=place), True
    elif f.council and (committee is not None or unknown_committee) and not _is_councils(f.committee, f.council, registry):
        f = replace(f, council=None)  # another council's committee ends the place

    if owner:
        f, changed = replace(f, owner=owner), True
        if kind == "who":
            f, kind = replace(f, q=None), "owner"

    if asks_overdue(rest):
        f, kind, changed = replace(f, overdue=True, status=None), "overdue", True
    status = status_named(rest)
    if status is not None:
        if status != ActionStatus.open and f.overdue:
            f, kind = replace(f, overdue=None), "status"
        f, changed = replace(f, status=status), True

    span = _span_in(rest)
    if span is not None:
        if kind == "raised" or (f.raised_from or f.raised_to):
            f = replace(f, raised_from=span.start, raised_to=span.end)
        else:
            f = replace(f, due_from=span.start, due_to=span.end)
            kind = "due" if kind in ("list", "status") else kind
        changed = True

    if not changed:
        # "who owns them?", "when are they due?": the previous answer lists owners, dates and
        # statuses already, so the question it stands for is the previous one.
        if _pronoun(rest) is not None or _OF_THOSE.search(rest):
            return action_question_text(asked, registry)
        if kind == "who" and elliptic:
            topic = re.sub(r"(?i)^(?:the same for|for)\s+", "", _strip_end(rest)[0]).strip()
            return action_question_text(replace(asked, filters=replace(f, q=topic)), registry) if topic else None
        return None
    return action_question_text(ActionQuestion(f, kind), registry)


def _kind_of_name(name: str, registry: CommitteeRegistry) -> str:
    """What a name an elliptic follow-up gives stands for: "place" (a council the papers know, a
    name with a council's noun, or a single word: "Croydon", "Leeds"), "committee" (a body), or
    "owner" (a person or a post: "Fiona Peskett", "the Head of Housing Options")."""
    council, _ = place_named(name, registry)
    if council is not None and registry.council(council) is not None:
        return "place"
    if registry.resolve(name) is not None:
        return "committee"
    if _TITLE_WORDS.search(name):
        return "owner"
    if _PLACE_NOUNS.search(name):
        return "place"
    if _BODY.search(name):
        return "committee"
    return "place" if len(name.split()) == 1 else "owner"


def _is_councils(committee: str | None, council: str | None, registry: CommitteeRegistry) -> bool:
    """Whether the council has papers of the committee (no committee: nothing to conflict)."""
    if not committee:
        return True
    known = registry.council(council) if council else None
    return known is not None and any(c.place == known.place for c in registry.councils_of(committee))


def _turn_council(turn: Turn, registry: CommitteeRegistry) -> Council | None:
    """The council a turn was about: the one its question names, else the one every paper its
    answer cited belongs to (a refusal's closest passages say nothing of the kind)."""
    hit = registry.find_council(turn.standalone)
    if hit is not None:
        return hit[0]
    if turn.mode == AnswerMode.not_found:
        return None
    councils = [registry.council_of(c.passage.chunk.document_id) for c in getattr(turn, "citations", ())]
    places = {c.place if c else None for c in councils}
    return councils[0] if len(places) == 1 and None not in places else None


def follow_up_scope(question: str, standalone: str, previous: Turn, registry: CommitteeRegistry) -> str | None:
    """The council whose papers answer a rewritten follow-up (its name): the one the rewrite
    names, else the previous turn's (`_turn_council`). None when there is none, when the follow-up
    names a place the papers do not know ("what about Leeds?": no other council's papers stand in
    for it), or a committee the council has no papers of ("what about HOSC?" leaves Tower Hamlets;
    a committee the caller's papers do not know is not known to be the council's)."""
    rest = _strip_connective(" ".join(question.split()))[0]
    named = _unknown_body(rest, registry)
    hit = registry.find_council(standalone)
    if hit is None and named == "place":
        return None
    council = hit[0] if hit else _turn_council(previous, registry)
    if council is None:
        return None
    plain = standalone[: hit[1][0]] + standalone[hit[1][1] :] if hit else standalone
    committee = registry.find_in(plain)[0] if len(registry) else None
    if committee is not None and not _is_councils(committee.name, council.name, registry):
        return None
    if committee is None and named == "committee":
        return None
    return council.name


def _unknown_body(text: str, registry: CommitteeRegistry) -> str | None:
    """"place" or "committee" when a follow-up names one its caller's papers do not know ("Leeds",
    "the Zedland Licensing Sub-Committee", "ZLSC"), else None."""
    plain = _strip_end(text)[0]
    for m in _names(plain, skip_first=bool(_QUESTION_START.match(plain))):
        name = m.group(0)
        if registry.find_council(name) is None and registry.resolve(name) is None:
            kind = _kind_of_name(name, registry)
            if kind != "owner":
                return kind
    for acronym in re.findall(r"\b[A-Z]{3,8}\b", plain):
        if registry.resolve(acronym) is None and acronym != "IT":
            return "committee"
    return None


def span_phrase(start: date | None, end: date | None) -> str:
    """Words for a date span that `parse_date_range` reads back to the same span."""

    def day(d: date) -> str:
        return f"{d.day} {d:%B %Y}"

    if start and end:
        if start == end:
            return f"on {day(start)}"
        if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
            return f"in {start.year}" if start.year == end.year else f"between {start.year} and {end.year}"
        if start.day == 1 and end == month_end(end.year, end.month):
            if (start.year, start.month) == (end.year, end.month):
                return f"in {start:%B %Y}"
            return f"between {start:%B %Y} and {end:%B %Y}"
        return f"between {start:%B %Y} and {end:%B %Y}"
    if start:
        return f"since {day(start)}"
    if end:
        return f"up to {day(end)}"
    return ""


def action_question_text(asked: ActionQuestion, registry: CommitteeRegistry) -> str:
    """An action question written out so that `parse_action_question` reads it back to the same
    filters: "Which actions for HOSC are overdue and owned by Tom Okafor-Reid?"."""
    f = asked.filters
    committee = registry.resolve(f.committee) if f.committee else None
    label = _committee_label(committee, registry) if committee else f.committee
    council = registry.council(f.council) if f.council else None
    place = council.place if council else f.council
    if place and council and committee and [c.place for c in registry.councils_of(committee.name)] == [council.place]:
        place = None  # the committee says whose papers: "for HASSC", not "for HASSC in Tower Hamlets"
    if place and place.startswith("City of "):
        place = f"the {place}"
    scope = (f" for {label}" if label else "") + (f" in {place}" if place else "")
    if asked.kind == "who" and f.q:
        return f"Among the actions{scope}, who is responsible for {f.q}?" if scope else f"Who is responsible for {f.q}?"
    conditions = []
    if f.overdue:
        conditions.append("overdue")
    elif f.status in _STATUS_PHRASE:
        conditions.append(_STATUS_PHRASE[f.status])
    if f.due_from or f.due_to:
        conditions.append(f"due {span_phrase(f.due_from, f.due_to)}")
    if f.raised_from or f.raised_to:
        head = f"What actions did {label}{f' in {place}' if place else ''} ask for {span_phrase(f.raised_from, f.raised_to)}"
        tail = conditions + ([f"owned by {f.owner}"] if f.owner else [])
        return f"{head}{' that are ' + ' and '.join(tail) if tail else ''}?"
    if f.owner:
        conditions.append(f"owned by {f.owner}")
    if not conditions:
        return f"List the actions{scope}."
    return f"Which actions{scope} are {' and '.join(conditions)}?"
