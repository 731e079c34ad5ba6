"""Detect a paper's metadata from its content: title, committee (and acronym), meeting date,
document type and classification. Each field is None when the paper does not say.
A JSON sidecar `NAME.meta.json` next to the file overrides any field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

from assistant.committees import acronym_candidates
from assistant.dates import find_dates, first_date, parse_date
from assistant.types import Classification, DocType
from ingest.parsed import ParsedDocument


class MetadataError(ValueError):
    """A sidecar file that cannot be applied; the message names the file and field."""


@dataclass
class DetectedMetadata:
    title: str | None = None
    committee: str | None = None
    committee_acronym: str | None = None
    meeting_date: date | None = None
    doc_type: DocType = DocType.other
    classification: Classification | None = None


_COMMITTEE_WORDS = r"(?:committee|sub[- ]?committee|panel|board|cabinet|council|forum|group|commission)"
_LABELLED = [
    # "Name of Committee: Health and Adults Scrutiny Sub-Committee"
    re.compile(r"^name of (?:committee|meeting)\s*[:\t]\s*(.+)$", re.I),
    # "Report to: Cabinet" / "REPORT:\tCabinet" / "Meeting: Planning Committee"
    re.compile(r"^(?:report to|report|meeting|committee|decision maker)\s*[:\t]\s*(.+)$", re.I),
    # Kent: "To:" then "Cabinet, 30 January 2025" / "County Council – 13 March 2025"
    re.compile(r"^to\s*[:\t]\s*(.+)$", re.I),
]
_MINUTES_OF = re.compile(r"(?:minutes of (?:a|the) (?:\w+ )?meeting|a meeting) of (?:the )?(.+?)(?: will be held| held| on |,|$)", re.I)
_NAMED_MEETING = re.compile(
    rf"^((?:[A-Z][A-Za-z&'’-]*\s+){{0,8}}{_COMMITTEE_WORDS})\b\s*(?:[-–,]|$)", re.I
)
_PRESENTED_AT = re.compile(rf"\bat ((?:[A-Z][a-z]+\s+){{1,5}}{_COMMITTEE_WORDS}|(?:[A-Z][a-z]+\s+){{1,4}}Scrutiny)\b on\b")
_AUTHORITY = re.compile(
    r"^(?:london borough of \w+(?: \w+)?|(?:the )?(?:royal )?borough of \w+|city of \w+(?: corporation)?|"
    r"[a-z]+(?: [a-z]+)? (?:county|borough|city|district|town|parish|metropolitan borough) council)$",
    re.I,
)
_TITLE_LABEL = re.compile(r"^(?:report title|subject|title)\s*[:\t]\s*(.*)$", re.I)
_DATE_LABEL = re.compile(r"^(?:date of (?:meeting|decision)|meeting date|date)\s*[:\t?]\s*(.+)$", re.I)
_CLASSIFICATION_LABEL = re.compile(r"^(?:classification|status|security classification)\s*[:\t]?\s*\[?\s*(unrestricted|restricted|exempt|official|public|not for publication|confidential)", re.I)
_EXEMPT_QUESTION = re.compile(r"contains? exempt information\??\s*[:\t]?\s*\*?(yes|no)\b", re.I)


def _lines(text: str) -> list[str]:
    """Non-empty lines, spaces collapsed, tabs kept as cell separators."""
    out = []
    for ln in text.splitlines():
        ln = " ".join(ln.replace("\t", " \t ").split()).replace(" \t ", "\t").strip()
        if ln:
            out.append(ln)
    return out


def _value_after_label(lines: list[str], i: int, m: re.Match) -> str:
    """The value of a label: on the same line, or on the next non-empty line (Kent's layout)."""
    value = m.group(1).strip(" \t:")
    if value:
        return value
    for nxt in lines[i + 1 : i + 4]:
        if nxt.strip():
            return nxt.strip()
    return ""


def _clean_committee(value: str) -> str | None:
    value = value.split("\t")[0]
    value = re.split(r"\s*[,–—]\s*|\s+-\s+|\s+on\s+\w+day|\s+\d", value)[0]
    value = re.sub(r"\s+", " ", value).strip(" .:;")
    value = re.sub(r"\s*\([A-Z]{2,8}\)$", "", value)  # "(AGC)": the acronym, found by detect_acronym
    if not value or len(value) > 90 or len(value.split()) > 10:
        return None
    if not re.search(_COMMITTEE_WORDS, value, re.I) and not re.search(r"scrutiny", value, re.I):
        return None
    if _AUTHORITY.match(value):  # "Kent County Council" is the authority, not one of its meetings
        return None
    if value.isupper():
        value = value.title().replace(" And ", " and ").replace(" Of ", " of ").replace(" The ", " the ")
    return value


def detect_committee(lines: list[str], text: str) -> str | None:
    for i, line in enumerate(lines[:80]):
        for pattern in _LABELLED:
            m = pattern.match(line.replace("\t", ": ", 1) if "\t" in line else line)
            if m:
                name = _clean_committee(_value_after_label(lines, i, m))
                if name:
                    return name
    m = _MINUTES_OF.search(" ".join(lines[:40]))
    if m:
        name = _clean_committee(m.group(1))
        if name:
            return name
    for line in lines[:25]:
        if line.lower().startswith(("name of", "minutes")):
            continue
        m = _NAMED_MEETING.match(line)
        if m and (line.isupper() or len(line.split()) <= 10):
            name = _clean_committee(m.group(1))
            if name and name.lower() not in {"council", "committee", "board", "panel", "group"}:
                return name
    m = _PRESENTED_AT.search(" ".join(lines[:10]))
    if m:
        name = m.group(1).strip()
        return name if re.search(_COMMITTEE_WORDS, name, re.I) else f"{name} Panel" if name.endswith("Scrutiny") else name
    return None


def detect_acronym(committee: str, text: str) -> str | None:
    """An acronym for the committee that the paper itself uses ("(HASSC)", "HASSC Chair")."""
    m = re.search(re.escape(committee) + r"\s*\(([A-Z]{2,8})\)", text)
    if m:
        return m.group(1)
    for cand in sorted(acronym_candidates(committee), key=len, reverse=True):
        if re.search(rf"\b{cand}\b", text):
            return cand
    # Looser: an all-capitals word that starts and ends like the name and whose letters follow its
    # initials in order ("HOSC" for Health and Social Care Overview and Scrutiny Committee).
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", committee.replace("-", " ")) if w.lower() not in {"and", "of", "the", "for"}).upper()
    counts: dict[str, int] = {}
    for token in re.findall(r"\b[A-Z]{3,7}\b", text):
        if token[0] == initials[:1] and token[-1] == initials[-1:] and _subsequence(token, initials):
            counts[token] = counts.get(token, 0) + 1
    best = max(counts.items(), key=lambda kv: kv[1], default=None)
    return best[0] if best and best[1] >= 2 else None


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def detect_title(lines: list[str], doc: ParsedDocument) -> str | None:
    for i, line in enumerate(lines[:60]):
        m = _TITLE_LABEL.match(line.replace("\t", ": ", 1) if "\t" in line else line)
        if m:
            value = _value_after_label(lines, i, m).split("\t")[0]
            # Kent wraps the subject over a few short lines.
            if not m.group(1).strip():
                j = i + 1
                while j < len(lines) and not lines[j].strip():
                    j += 1
                parts = [value]
                for nxt in lines[j + 1 : j + 5]:
                    if not nxt.strip() or re.match(r"^[A-Z][\w ]{2,30}:", nxt):
                        break
                    parts.append(nxt.strip())
                value = " ".join(parts)
            value = " ".join(value.split()).strip(" :")
            if value and not re.fullmatch(_COMMITTEE_WORDS, value, re.I) and len(value) > 3:
                return value[:200]
    if doc.running_lines:  # a running header that opens the document names it
        return doc.running_lines[0][:200]
    for b in doc.blocks[:8]:
        if b.heading_level and b.heading_level > 0 and b.lines and _looks_like_title(b.lines[0]):
            return b.lines[0][:200]
    for line in lines[:30]:
        if 3 <= len(line.split()) <= 20 and _looks_like_title(line):
            return line[:200]
    return Path(doc.source).stem


def _looks_like_title(line: str) -> bool:
    words = re.findall(r"[A-Za-z]{2,}", line)
    return len(words) >= 2 and not line.rstrip().endswith(":")


def detect_meeting_date(lines: list[str], text: str, committee: str | None) -> date | None:
    """The date of the meeting the paper is for: a labelled date, the date beside the committee's
    name or in "held ... on <date>", else the first full date near the top."""
    for i, line in enumerate(lines[:80]):
        m = _DATE_LABEL.match(line.replace("\t", ": ", 1) if "\t" in line else line)
        if m:
            d = parse_date(_value_after_label(lines, i, m))
            if d:
                return d
    anchors = [r"^to\s*[:\t]", r"^minutes\b"]
    if committee:
        anchors.append(re.escape(committee))
    for i, line in enumerate(lines[:40]):
        if any(re.search(a, line, re.I) for a in anchors):
            d = parse_date(" ".join(lines[i : i + 2]))
            if d:
                return d
    head = "\n".join(lines[:60])
    m = re.search(r"\bheld\b.{0,150}?\bon\s+(.{0,40})", head.replace("\n", " "), re.I)
    if m and parse_date(m.group(1)):
        return parse_date(m.group(1))
    dates = find_dates(head)
    return dates[0].value if dates else first_date(text)


def detect_doc_type(title: str | None, text: str, doc: ParsedDocument) -> DocType:
    head = text[:4000].lower()
    named = (title or "").lower() + " " + doc.source.lower()
    headers = [" ".join(b.table.header).lower() for b in doc.blocks if b.table]
    actionish = any(
        "action" in h and any(w in h for w in ("due", "date", "timescale", "deadline", "status"))
        and any(w in h for w in ("assigned", "responsib", "owner", "led by", "lead", "status"))
        for h in headers
    ) or any("committed to" in h and "led by" in h for h in headers)
    if "action log" in named or "action log" in head[:500]:
        return DocType.action_log
    if "agenda" in named or re.search(r"\bsummons to\b|^\s*agenda\s*$|this meeting is open to the public", head[:1500], re.M):
        return DocType.agenda
    if "minutes" in named or re.search(r"^\s*minutes\b|\bminutes of (?:a|the) meeting", head[:400], re.M):
        return DocType.minutes
    if "action plan" in named or ("action plan" in head[:1500] and actionish):
        return DocType.action_plan
    if actionish:
        return DocType.action_plan if re.search(r"plan|priorit|recommendation", named + head[:1500]) else DocType.action_log
    if re.search(r"^(?:report (?:to|title)|subject|from|by)\s*:|\brecommendations?\b|\bsummary of report\b", head, re.M):
        return DocType.report
    return DocType.other


def detect_classification(text: str) -> Classification | None:
    head_lines = _lines(text[:6000])
    for i, line in enumerate(head_lines):
        m = _EXEMPT_QUESTION.search(line) or (
            _EXEMPT_QUESTION.search(line + " " + head_lines[i + 1]) if i + 1 < len(head_lines) else None
        )
        if m:
            return Classification.exempt if m.group(1).lower() == "yes" else Classification.public
        m = _CLASSIFICATION_LABEL.match(line.replace("\t", " "))
        if m is None and re.match(r"^(?:classification|status)\s*:?$", line, re.I):
            following = next((ln for ln in head_lines[i + 1 : i + 4] if ln.strip()), "")
            m = _CLASSIFICATION_LABEL.match("classification: " + following)
        if m:
            value = m.group(1).lower()
            if value in ("unrestricted", "public", "official"):
                return Classification.public
            if value in ("exempt", "not for publication", "confidential"):
                return Classification.exempt
            return Classification.restricted
    if re.search(r"\bnot for publication\b|\bexempt information\b.*\bschedule 12a\b", text[:6000], re.I):
        return Classification.exempt
    return None


def detect_metadata(doc: ParsedDocument) -> DetectedMetadata:
    """Metadata from the first pages of a cleaned document."""
    text = doc.plain_text(max_pages=3)
    lines = _lines(text)
    meta = DetectedMetadata()
    meta.title = detect_title(lines, doc)
    meta.committee = detect_committee(lines, text)
    if meta.committee:
        meta.committee_acronym = detect_acronym(meta.committee, doc.plain_text())
    meta.meeting_date = detect_meeting_date(lines, text, meta.committee)
    meta.doc_type = detect_doc_type(meta.title, text, doc)
    meta.classification = detect_classification(text)
    return meta


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def apply_sidecar(meta: DetectedMetadata, path: Path, allow_declassify: bool = False) -> list[str]:
    """Override fields from `NAME.meta.json` if present; returns warnings for the ingest report.
    A sidecar may raise a paper's classification but never lower the paper's own marking ("NOT
    FOR PUBLICATION" read as public by a stray or careless sidecar) unless an admin allows it
    (`allow_declassify`), and the report says so either way. Raises MetadataError naming the
    sidecar and field for anything it cannot apply."""
    side = sidecar_path(path)
    if not side.exists():
        return []
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MetadataError(f"{side.name}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise MetadataError(f"{side.name}: must hold a JSON object")
    allowed = {f.name for f in fields(DetectedMetadata)}
    values = {}
    for key, value in data.items():
        if key not in allowed:
            raise MetadataError(f"{side.name}: unknown field '{key}' (allowed: {', '.join(sorted(allowed))})")
        if value is not None and not isinstance(value, str):
            raise MetadataError(f"{side.name}: field '{key}': must be a string or null, not {type(value).__name__} {json.dumps(value)[:40]}")
        try:
            if value is None:
                parsed = None if key != "doc_type" else DocType.other
            elif key == "meeting_date":
                parsed = date.fromisoformat(value)
            elif key == "doc_type":
                parsed = DocType(value)
            elif key == "classification":
                parsed = Classification(value)
            else:
                parsed = value.strip()[:500] or None
        except ValueError as exc:
            raise MetadataError(f"{side.name}: field '{key}': invalid value {value!r} ({exc})") from exc
        values[key] = parsed
    warnings = []
    marked = meta.classification  # the paper's own marking, or None when it carries none
    if "classification" in values and marked is not None:
        wanted = values["classification"]
        lower = wanted is None or wanted.level < marked.level
        if lower and not allow_declassify:
            raise MetadataError(
                f"{side.name}: field 'classification': {wanted.value if wanted else 'null'!r} would lower the paper's own "
                f"marking ({marked.value}); an admin must allow that explicitly (papers ingest --allow-declassify, "
                "or allow_declassify=true with the upload)"
            )
        if lower:
            warnings.append(
                f"{side.name} lowers the paper's own marking from {marked.value} to "
                f"{wanted.value if wanted else 'unmarked'}: applied, as an admin allowed"
            )
    for key, parsed in values.items():
        setattr(meta, key, parsed)
    return warnings
