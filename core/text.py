"""Text helpers every stage shares: the sentences of a passage, its windows (the pairs of
sentences the dense index embeds and the lexical index scores), and the stop words questions are
read with. Pure functions of text; nothing here imports a model or a store."""

from __future__ import annotations

import re

from core.types import Chunk

# The one list of words a question is phrased with that say nothing of what it asks about
# ("what", "did", "tell", "please"): question understanding, follow-ups and answer scoring all read
# questions with it.
STOP_WORDS = frozenset(
    """a an the of to in on for and or is are was were be been by with what which who whom whose
    when where why how did do does done has have had it its this that these those there their they
    we our us you your i me my about at from as any all can could would should will shall may might
    tell give show list please many much say said""".split()
)
# English function words whose word pieces late interaction drops (vectorstore.late_interaction):
# the standard English list, not STOP_WORDS, because it decides which pieces of every passage are
# stored with the index; changing it is a new core.config.TOKEN_STATES_VERSION (a re-ingest).
PIECE_STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom whose why will with would you your yours yourself yourselves s t""".split()
)
# Words nearly every paper uses: a question's "council" or "meeting" tells no paper from another.
PAPER_WORDS = frozenset("papers paper council committee meeting".split())


def content_words(text: str) -> set[str]:
    """The words of `text` that say what it is about: lower-cased, a plural's "s" dropped, without
    stop words, paper words or single characters."""
    words = re.findall(r"[a-z0-9£%]+", text.lower())
    return {
        w[:-1] if len(w) > 4 and w.endswith("s") else w
        for w in words
        if w not in STOP_WORDS and w not in PAPER_WORDS and len(w) > 1
    }

_ABBREVIATIONS = r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bCllr)(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bNo)(?<!\bp\.m)(?<!\ba\.m)(?<!\bc)(?<!\bvs)(?<!\bSt)"
_SENTENCE_END = re.compile(_ABBREVIATIONS + r"(?<=[.!?])[\"'”’)]*\s+(?=[A-Z0-9“\"'(£•-])")
_SECTION_NUMBER = re.compile(r"^\(?(?:\d{1,2}(?:\.\d{1,2}){0,3}|[a-z])[.)]?$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of prose, keeping abbreviations such as 'e.g.' and 'Cllr.'
    intact, and a paragraph number with its paragraph ("13. Appendices ...", not "13." and
    "Appendices ...")."""
    spans: list[tuple[int, int]] = []
    carry: int | None = None  # start of a paragraph number waiting for its sentence
    start = 0
    for cut in [*_SENTENCE_END.finditer(text), None]:
        # A sentence keeps its closing quote or bracket: the cut is the whitespace after them.
        end = cut.start() + len(cut.group().rstrip()) if cut is not None else len(text)
        part = text[start:end]
        stripped = part.strip()
        if stripped:
            a = start + len(part) - len(part.lstrip())
            b = start + len(part.rstrip())
            if _SECTION_NUMBER.match(stripped):
                carry = a if carry is None else carry
            else:
                spans.append((a if carry is None else carry, b))
                carry = None
        if cut is not None:
            start = cut.end()
    if carry is not None:
        spans.append((carry, len(text.rstrip())))
    return spans


def split_sentences(text: str) -> list[str]:
    """The sentences of `sentence_spans`, each on one line."""
    return [" ".join(text[a:b].split()) for a, b in sentence_spans(text)]


def dense_windows(chunk: Chunk) -> list[str]:
    """A chunk's windows as texts: overlapping pairs of sentences, so a fact stated in one sentence
    is not diluted by the rest of the passage, each after its heading path ("4. Contact details"
    is what makes a bare name answer "who wrote the report?"). The dense index holds one vector per
    window (made in context, see `window_spans`, which lists the same windows in the same order);
    the lexical index scores these texts. A table row or a chunk of one or two sentences is a
    single window with its full context. An action passage also gets a window of its first line
    alone (what was asked for), which its owner, dates, status and response would otherwise
    dilute."""
    if chunk.kind == "table_row":
        return [chunk.index_text]
    if chunk.kind == "action":
        first = chunk.text.split("\n", 1)[0]
        return [chunk.index_text] + ([first] if first != chunk.text else [])
    sentences = [s for line in chunk.text.split("\n") for s in split_sentences(line)]
    if len(sentences) <= 2:
        return [chunk.index_text]
    headings = " > ".join(dict.fromkeys(h for h in chunk.heading_path if h))
    pairs = [" ".join(sentences[i : i + 2]) for i in range(len(sentences) - 1)]
    return [f"{headings}\n{pair}" for pair in pairs] if headings else pairs


Span = tuple[int, int]  # [start, end) characters of a chunk's index_text


def _sentences_of(text: str) -> list[Span]:
    """`sentence_spans` of each line of `text`, as offsets into `text`."""
    out: list[Span] = []
    start = 0
    for line in text.split("\n"):
        out.extend((start + a, start + b) for a, b in sentence_spans(line))
        start += len(line) + 1
    return out


def window_spans(chunk: Chunk) -> list[list[Span]]:
    """Where each window of `dense_windows(chunk)` lies in `chunk.index_text`, in the same order:
    the character ranges whose word pieces make its vector when the whole passage is encoded once
    (late chunking: each window's vector is the mean of its word pieces' outputs, which have seen
    the rest of the passage). A pair of sentences also takes the title and heading path in front
    of the passage (and only them: the other sentences inform its vector through attention, not
    by being averaged in)."""
    index_text = chunk.index_text
    whole = [(0, len(index_text))]
    base = len(index_text) - len(chunk.text)  # where the passage's own text starts
    if chunk.kind == "table_row":
        return [whole]
    if chunk.kind == "action":
        first = chunk.text.split("\n", 1)[0]
        return [whole] + ([[(base, base + len(first))]] if first != chunk.text else [])
    sentences = _sentences_of(chunk.text)
    if len(sentences) <= 2:
        return [whole]
    context = [(0, base - 1)] if base > 0 else []
    return [context + [(base + sentences[i][0], base + sentences[i + 1][1])] for i in range(len(sentences) - 1)]


def sentence_windows(chunk: Chunk) -> list[tuple[str, tuple[int, ...]]]:
    """Each sentence of the chunk's text (a table row: the row), with the indices of the dense
    windows (`window_spans`) it lies in, so a sentence can be scored by its windows' vectors."""
    count = len(window_spans(chunk))
    everywhere = tuple(range(count))
    if chunk.kind == "table_row":
        return [(chunk.text, everywhere)]
    spans = _sentences_of(chunk.text)
    sentences = [" ".join(chunk.text[a:b].split()) for a, b in spans]
    if chunk.kind == "action":  # the whole passage, and its first line alone
        first = len(chunk.text.split("\n", 1)[0])
        return [(s, everywhere if b <= first else (0,)) for s, (_, b) in zip(sentences, spans)]
    if len(sentences) <= 2:
        return [(s, everywhere) for s in sentences]
    return [(s, tuple(j for j in (i - 1, i) if 0 <= j < count)) for i, s in enumerate(sentences)]


# What an answer leaves off a sentence it quotes: list marks, paragraph numbers, trailing debris.
_LIST_MARK = re.compile(r"^(?:[-–—•*·▪●○◦►]+\s*)+")
_NUMBERING = re.compile(r"^(?:\(?\d{1,2}(?:\.\d{1,2}){1,3}[.)]?|\(?\d{1,2}[.)]|\(?[a-z]{1,2}\)|\(?[ivx]{1,4}\)|[a-z]\.)\s+(?=[A-Z“\"'(£])")
_TRAILING_DEBRIS = re.compile(r"(?:\s*[-–—•*·:;,]+)+$")


def quotable(text: str) -> str:
    """A sentence as an answer quotes it: without the list marks, paragraph numbers and trailing
    punctuation debris around it ("2.1 Cabinet is asked ...", "- • The scheme ...", "Outcome: -").
    What is left is still a run of the passage's own text."""
    text = " ".join(text.split())
    for _ in range(3):
        before = text
        text = _LIST_MARK.sub("", text)
        text = _NUMBERING.sub("", text)
        if text == before:
            break
    return _TRAILING_DEBRIS.sub("", text).strip()
