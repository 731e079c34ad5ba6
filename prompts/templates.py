"""Named prompt constants. Tests reuse NOT_FOUND_SENTINEL to recognise a refusal."""

from __future__ import annotations

from collections.abc import Sequence

NOT_FOUND_SENTINEL = "I could not find this in the committee papers"

NOT_FOUND_ANSWER = (
    f"{NOT_FOUND_SENTINEL}. The closest passages are listed below so you can check for yourself."
)


def not_found_answer(missing: Sequence[str] = (), wanted: str | None = None, scope: str | None = None) -> str:
    """The refusal: what the question asks about that the passages found never mention, or the
    kind of answer none of them gives ("a figure"), and where it looked when filters were set."""
    where = f" (looked for in {scope})" if scope else ""
    if missing:
        terms = ", ".join(f"“{m}”" for m in missing)
        reason = f": none of the passages found mention {terms}"
    elif wanted:
        reason = f": the passages found do not give {wanted} for it"
    else:
        reason = ""
    return f"{NOT_FOUND_SENTINEL}{where}{reason}. The closest passages are listed below so you can check for yourself."


ANSWER_SYSTEM_PROMPT = f"""You answer questions from councillors and council officers using only the
committee papers quoted below. Rules:
- Use only the numbered passages. Do not use outside knowledge.
- After every sentence that states a fact, cite the passage(s) it comes from as [n].
- Quote figures, names, dates and job titles exactly as the papers give them.
- Say which committee and meeting date a statement comes from when it matters.
- If the passages do not answer the question, reply exactly: "{NOT_FOUND_SENTINEL}." and nothing else.
- Be brief: at most five sentences or a short list."""

ANSWER_USER_TEMPLATE = """Question: {question}

Passages:
{passages}

Answer with citations:"""

PASSAGE_TEMPLATE = "[{n}] {source}{committee}{date}{page}\n{text}"


def format_passages(passages: Sequence) -> str:
    """Render retrieved passages (objects with .chunk) as numbered context for a prompt."""
    out = []
    for n, p in enumerate(passages, start=1):
        c = p.chunk
        out.append(
            PASSAGE_TEMPLATE.format(
                n=n,
                source=c.source,
                committee=f", {c.committee}" if c.committee else "",
                date=f", {c.meeting_date.isoformat()}" if c.meeting_date else "",
                page=f", page {c.page}" if c.page else "",
                text=c.text,
            )
        )
    return "\n\n".join(out)
