"""Papers from a council's ModernGov site, through its web service's HTTP GET binding
(`/mgWebService.asmx/GetCommittees`, `GetMeetings?lCommitteeId=&sFromDate=&sToDate=`,
`GetMeeting?lMeetingId=`) and its document downloads (`/mgConvert2PDF.aspx?ID=<attachment id>`,
always on the configured host, whatever host the service's own URLs name).

Each published document is written to `<folder>/<host>/<attachment id>.pdf` with a
`NAME.meta.json` sidecar holding what the service says of it (committee, meeting date, title,
agenda item, publication date, the council's URL for it, the council's name when the site's
configuration gives it (`body`); `min_classification: restricted` when the service marks it
restricted), with `"source": "moderngov"` so provenance names the service. The
folder's `manifest.json` remembers each document's ETag, Last-Modified and content hash: a re-sync
asks conditionally and rewrites nothing that did not change, so ingest (which skips unchanged
files) re-embeds nothing. A document that disappears upstream is kept and flagged in the manifest.

A polite client: a User-Agent naming the product, timeouts, retries with backoff on 5xx and
network errors (never on 4xx), at most `rate` requests a second. Every failure is reported per
item (a committee, a meeting, a document) and the rest carries on.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

from core.types import FileResult
from sources.folder import SIDECAR

USER_AGENT = "CommitteePapersAssistant/0.1 (+https://github.com/; ModernGov sync)"
SERVICE = "mgWebService.asmx"


class SyncError(Exception):
    """One request failed after its retries, or its reply could not be read."""


@dataclass(frozen=True)
class Committee:
    id: int
    title: str
    expired: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class Meeting:
    id: int
    committee_id: int
    committee: str
    date: date | None
    status: str = ""


@dataclass(frozen=True)
class LinkedDocument:
    attachment_id: int
    title: str
    url: str
    restricted: bool
    committee: str
    meeting_date: date | None
    publication_date: date | None
    item_number: str = ""
    item_title: str = ""


@dataclass
class SyncReport:
    site: str
    committees: int = 0
    meetings: int = 0
    documents: dict[str, int] = field(default_factory=lambda: {"new": 0, "changed": 0, "unchanged": 0, "failed": 0, "gone": 0})
    failures: list[str] = field(default_factory=list)  # "<what>: <why>"
    files: list[Path] = field(default_factory=list)  # the documents now on disk (to ingest)
    ingest: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        d = self.documents
        line = (
            f"{self.site}: {self.committees} committees, {self.meetings} meetings; documents {d['new']} new, "
            f"{d['changed']} changed, {d['unchanged']} unchanged, {d['failed']} failed, {d['gone']} gone upstream "
            f"in {self.seconds:.1f} s"
        )
        return "\n".join([line, *(f"  failed: {f}" for f in self.failures)])


def parse_date(text: str | None) -> date | None:
    """A ModernGov date (DD/MM/YYYY); None for none or nonsense."""
    m = re.fullmatch(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*", text or "")
    if not m:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def format_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _bool(text: str | None) -> bool:
    return (text or "").strip().lower() == "true"


def _text(node, tag: str) -> str:
    found = node.find(tag)
    return (found.text or "").strip() if found is not None and found.text else ""


def parse_xml(data: bytes, what: str) -> ET.Element:
    """The reply's XML, refusing a document type declaration (entity expansion) outright."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise SyncError(f"{what}: the reply declares a document type or entities; refused")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise SyncError(f"{what}: the reply is not well-formed XML ({exc})") from exc
    # A SOAP envelope (some sites answer GET with one): the result inside it.
    if root.tag.endswith("Envelope"):
        body = next(iter(root), None)
        response = next(iter(body), None) if body is not None else None
        result = next(iter(response), None) if response is not None else None
        inner = next(iter(result), None) if result is not None else None
        if inner is None:
            raise SyncError(f"{what}: an empty SOAP reply")
        root = inner
    return root


class ModernGovClient:
    def __init__(self, base_url: str, timeout: float = 30.0, retries: int = 3, rate: float = 4.0, backoff: float = 0.5, transport=None) -> None:
        """`rate`: most requests a second; `backoff`: the first retry's wait (doubling)."""
        import httpx

        base = base_url.rstrip("/")
        if not re.match(r"^https?://[^/\s]+", base):
            raise ValueError(f"not a web address: {base_url!r} (e.g. https://democracy.kent.gov.uk)")
        self.base = base
        self.retries = retries
        self.backoff = backoff
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._last = 0.0
        self._lock = threading.Lock()
        self.http = httpx.Client(
            timeout=timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=True, transport=transport
        )

    def close(self) -> None:
        self.http.close()

    def _wait_turn(self) -> None:
        with self._lock:
            pause = self._last + self._interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self._last = time.monotonic()

    def get(self, path: str, params: dict | None = None, headers: dict | None = None, what: str = ""):
        """A GET with retries on network errors and 5xx (never on 4xx); SyncError when it fails."""
        import httpx

        url = f"{self.base}/{path}"
        what = what or path
        for attempt in range(self.retries + 1):
            self._wait_turn()
            try:
                response = self.http.get(url, params=params, headers=headers)
            except httpx.HTTPError as exc:
                error = f"{what}: {type(exc).__name__} ({exc})".rstrip(" ()")
            else:
                if response.status_code < 400 or response.status_code == 304:
                    return response
                error = f"{what}: HTTP {response.status_code}"
                if response.status_code < 500:
                    raise SyncError(error)
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        raise SyncError(error)

    def _call(self, method: str, what: str, **params) -> ET.Element:
        return parse_xml(self.get(f"{SERVICE}/{method}", params or None, what=what).content, what)

    def committees(self) -> list[Committee]:
        root = self._call("GetCommittees", "GetCommittees")
        out = []
        for c in root.iter("committee"):
            cid = _text(c, "committeeid")
            if cid.isdigit():
                out.append(Committee(int(cid), _text(c, "committeetitle"), _bool(_text(c, "committeeexpired")), _bool(_text(c, "committeedeleted"))))
        return out

    def meetings(self, committee: Committee, date_from: date, date_to: date) -> list[Meeting]:
        root = self._call(
            "GetMeetings", f"GetMeetings {committee.title}", lCommitteeId=committee.id, sFromDate=format_date(date_from), sToDate=format_date(date_to)
        )
        out = []
        for m in root.iter("meeting"):
            mid = _text(m, "meetingid")
            if mid.isdigit():
                out.append(Meeting(int(mid), committee.id, committee.title, parse_date(_text(m, "meetingdate")), _text(m, "meetingstatus")))
        return out

    def documents(self, meeting: Meeting) -> list[LinkedDocument]:
        """The documents linked to the meeting's agenda items (links to other web pages left out)."""
        root = self._call("GetMeeting", f"GetMeeting {meeting.id} ({meeting.committee}, {meeting.date})", lMeetingId=meeting.id)
        out: dict[int, LinkedDocument] = {}
        for item in root.iter("agendaitem"):
            number = _text(item, "agendaitemnumber")
            title = _text(item, "agendaitemtitle")
            for doc in item.iter("linkeddoc"):
                aid = _text(doc, "attachmentid")
                if not aid.isdigit() or _bool(_text(doc, "isurl")):
                    continue
                out.setdefault(
                    int(aid),
                    LinkedDocument(
                        int(aid),
                        _text(doc, "title") or title,
                        _text(doc, "url"),
                        _bool(_text(doc, "isrestricted")),
                        _text(doc, "committeetitle") or meeting.committee,
                        parse_date(_text(doc, "meetingdate")) or meeting.date,
                        parse_date(_text(doc, "publicationdate")),
                        number,
                        title,
                    ),
                )
        return list(out.values())

    def download(self, attachment_id: int, etag: str | None = None, modified: str | None = None):
        """(status, bytes, etag, last-modified) of an attachment, asked conditionally: 304 means
        unchanged."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        r = self.get("mgConvert2PDF.aspx", {"ID": attachment_id}, headers, what=f"document {attachment_id}")
        return r.status_code, r.content, r.headers.get("ETag"), r.headers.get("Last-Modified")


def host_folder(base_url: str) -> str:
    host = urlparse(base_url).netloc.lower()
    return re.sub(r"[^a-z0-9.-]", "_", host) or "site"


@dataclass
class _Known:
    sha256: str
    etag: str | None = None
    modified: str | None = None
    title: str = ""
    gone: str | None = None  # when the service stopped listing it (kept, flagged)


def sync_site(
    client: ModernGovClient,
    folder: Path,
    committees: Iterable[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    progress: Callable[[str], None] | None = None,
    today: date | None = None,
    body: str | None = None,
) -> SyncReport:
    """Fetch the site's published documents in the window into `folder` (see the module's
    docstring); the report lists the files to ingest. `committees`: titles or ids (default:
    every current committee); the window defaults to the last 12 months and the next 2. `body`:
    the council whose site it is, written into each paper's sidecar."""
    started = time.perf_counter()
    today = today or date.today()
    date_from = date_from or today - timedelta(days=365)
    date_to = date_to or today + timedelta(days=61)
    report = SyncReport(client.base)
    site = folder / host_folder(client.base)
    site.mkdir(parents=True, exist_ok=True)
    manifest_path = site / "manifest.json"
    known = _load_manifest(manifest_path)
    say = progress or (lambda _msg: None)
    try:
        listed = client.committees()
    except SyncError as exc:
        report.failures.append(str(exc))
        report.seconds = time.perf_counter() - started
        return report
    wanted = {w.strip().lower() for w in committees if w.strip()}
    if wanted:
        chosen = [c for c in listed if str(c.id) in wanted or c.title.lower() in wanted]
    else:
        chosen = [c for c in listed if not c.expired and not c.deleted]
    missing = wanted - {str(c.id) for c in chosen} - {c.title.lower() for c in chosen}
    report.failures += [f"committee {w!r}: not on the site" for w in sorted(missing)]
    report.committees = len(chosen)
    seen: set[int] = set()
    complete = True  # every committee and meeting answered: only then can a document be called gone
    for committee in chosen:
        try:
            meetings = client.meetings(committee, date_from, date_to)
        except SyncError as exc:
            report.failures.append(str(exc))
            complete = False
            continue
        for meeting in meetings:
            if meeting.status.lower() == "cancelled":
                continue
            report.meetings += 1
            try:
                docs = client.documents(meeting)
            except SyncError as exc:
                report.failures.append(str(exc))
                complete = False
                continue
            for doc in docs:
                seen.add(doc.attachment_id)
                say(f"{committee.title} {meeting.date}: {doc.title}")
                _fetch(client, doc, site, known, report, body)
    if complete:
        stamp = today.isoformat()
        for aid, entry in known.items():
            if aid not in seen and entry.gone is None and _in_window(site, aid, date_from, date_to):
                entry.gone = stamp
                report.documents["gone"] += 1
    _save_manifest(manifest_path, known)
    report.files = sorted(p for p in site.glob("*.pdf"))
    report.seconds = time.perf_counter() - started
    return report


def _fetch(client: ModernGovClient, doc: LinkedDocument, site: Path, known: dict[int, _Known], report: SyncReport, body: str | None = None) -> None:
    target = site / f"{doc.attachment_id}.pdf"
    entry = known.get(doc.attachment_id)
    have = entry is not None and target.exists()
    try:
        status, data, etag, modified = client.download(doc.attachment_id, entry.etag if have else None, entry.modified if have else None)
    except SyncError as exc:
        report.failures.append(str(exc))
        report.documents["failed"] += 1
        return
    _write_sidecar(target, doc, body)
    if status == 304 and have:
        entry.gone = None
        report.documents["unchanged"] += 1
        return
    if not data.startswith(b"%PDF-"):
        kind = "a web page" if data.lstrip()[:1] == b"<" else "not a PDF"
        report.failures.append(f"document {doc.attachment_id} ({doc.title}): the download is {kind}; kept out")
        report.documents["failed"] += 1
        return
    digest = hashlib.sha256(data).hexdigest()
    if have and entry.sha256 == digest:
        entry.etag, entry.modified, entry.gone = etag, modified, None
        report.documents["unchanged"] += 1
        return
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(target)  # a half-written document is never ingested
    report.documents["changed" if have else "new"] += 1
    known[doc.attachment_id] = _Known(digest, etag, modified, doc.title)


def _write_sidecar(target: Path, doc: LinkedDocument, body: str | None = None) -> None:
    meta = {
        "body": " ".join(body.split())[:200] if body and body.strip() else None,
        "source": "moderngov",
        "source_id": f"moderngov:{target.parent.name}:{doc.attachment_id}",  # the paper's id, wherever the store lives
        "title": doc.title or None,
        "committee": doc.committee or None,
        "meeting_date": doc.meeting_date.isoformat() if doc.meeting_date else None,
        "source_url": doc.url or None,
        "agenda_item": " ".join(p for p in (doc.item_number, doc.item_title) if p) or None,
        "publication_date": doc.publication_date.isoformat() if doc.publication_date else None,
    }
    if doc.restricted:
        meta["min_classification"] = "restricted"
    meta = {k: v for k, v in meta.items() if v is not None}
    side = target.with_name(target.name + SIDECAR)
    text = json.dumps(meta, indent=1, ensure_ascii=False, sort_keys=True)
    if not side.exists() or side.read_text(encoding="utf-8") != text:
        side.write_text(text, encoding="utf-8")


def _in_window(site: Path, attachment_id: int, date_from: date, date_to: date) -> bool:
    """Whether a known document's meeting falls in the window synced (one outside it is not gone)."""
    side = site / f"{attachment_id}.pdf{SIDECAR}"
    try:
        when = date.fromisoformat(json.loads(side.read_text(encoding="utf-8")).get("meeting_date") or "")
    except (OSError, ValueError):
        return False
    return date_from <= when <= date_to


def _load_manifest(path: Path) -> dict[int, _Known]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {int(k): _Known(**v) for k, v in raw.get("documents", {}).items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError) as exc:
        raise SyncError(f"{path}: the sync manifest cannot be read ({exc}); move it aside to start afresh") from exc


def _save_manifest(path: Path, known: dict[int, _Known]) -> None:
    data = {"updated": datetime.now().isoformat(timespec="seconds"), "documents": {str(k): asdict(v) for k, v in sorted(known.items())}}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(path)


def gone_documents(folder: Path, base_url: str) -> dict[int, str]:
    """Attachment ids the site stopped listing, and since when (kept in the store, flagged here)."""
    known = _load_manifest(folder / host_folder(base_url) / "manifest.json")
    return {aid: k.gone for aid, k in known.items() if k.gone}


def load_sites(path: Path) -> list[dict]:
    """The configured sites: [{"kind": "moderngov", "url": ..., "committees": [...], "body": "Kent
    County Council"}, ...] (`body`, the council whose site it is, is optional)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise SyncError(f"{path}: not valid JSON ({exc})") from exc
    sites = data.get("sites") if isinstance(data, dict) else None
    if not isinstance(sites, list) or not all(
        isinstance(s, dict) and isinstance(s.get("url"), str) and isinstance(s.get("body", ""), (str, type(None))) for s in sites
    ):
        raise SyncError(f'{path}: must be {{"sites": [{{"kind": "moderngov", "url": "https://...", "committees": [], "body": "..."}}]}}')
    return [s for s in sites if s.get("kind", "moderngov") == "moderngov"]


def remember_site(path: Path, base_url: str, committees: list[str], body: str | None = None) -> None:
    """Add (or update) a site in the sources file."""
    sites = [s for s in load_sites(path) if s["url"].rstrip("/") != base_url.rstrip("/")]
    site = {"kind": "moderngov", "url": base_url.rstrip("/"), "committees": committees}
    if body:
        site["body"] = body
    sites.append(site)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"sites": sites}, indent=1), encoding="utf-8")
    tmp.replace(path)
