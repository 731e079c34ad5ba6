"""Prompt templates and fixed phrasings. The extractive answerer uses the fixed phrasings; a
language-model answerer will use the templates, so both say "not found" the same way."""

from prompts.templates import (
    ANSWER_SYSTEM_PROMPT,
    ANSWER_USER_TEMPLATE,
    NOT_FOUND_ANSWER,
    NOT_FOUND_SENTINEL,
    format_passages,
    not_found_answer,
)

__all__ = [
    "ANSWER_SYSTEM_PROMPT",
    "ANSWER_USER_TEMPLATE",
    "NOT_FOUND_ANSWER",
    "NOT_FOUND_SENTINEL",
    "format_passages",
    "not_found_answer",
]
