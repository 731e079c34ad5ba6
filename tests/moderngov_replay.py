"""A council's ModernGov site on loopback, for the sync tests: the web service's HTTP GET binding
answering with the real responses recorded from Manchester City Council (../shared/moderngov), and
real committee papers from ../shared/corpus as the attachments. It checks what the real service
checks (its query parameters, dates as DD/MM/YYYY), answers conditional downloads with 304, and
can be told to fail one request (500, a timeout, broken XML) or serve something else."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from datetime import date
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

RECORDED = Path(__file__).resolve().parents[2] / "shared" / "moderngov" / "lgsf-manchester"
EMPTY_MEETINGS = '<?xml version="1.0" encoding="utf-8"?>\n<getmeetings>\n  <meetingscount> 0</meetingscount>\n  <committeescount> 0</committeescount>\n</getmeetings>\n'


def _dmy(text: str) -> date | None:
    m = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text or "")
    return date(int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None


class ReplaySite:
    def __init__(self, attachments: dict[int, bytes]) -> None:
        self.committees = (RECORDED / "committees.xml").read_text(encoding="utf-8")
        self.meetings_xml = {144: (RECORDED / "meetings.xml").read_text(encoding="utf-8")}
        self.meeting_xml = {
            4967: (RECORDED / "meeting_with_minutes.xml").read_text(encoding="utf-8"),
            4966: (RECORDED / "meeting_no_minutes.xml").read_text(encoding="utf-8"),
        }
        self.attachments = dict(attachments)
        self.faults: dict[str, str] = {}  # "GetMeeting:4967" / "doc:60909" -> "500" | "timeout" | "broken" | "html"
        self.requests: list[str] = []
        self.downloads = 0  # attachments sent in full (not 304)
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                site.requests.append(self.path)
                path = url.path
                if path == "/mgWebService.asmx/GetCommittees":
                    return self._xml("GetCommittees", site.committees)
                if path == "/mgWebService.asmx/GetMeetings":
                    start, end = _dmy(q.get("sFromDate", "")), _dmy(q.get("sToDate", ""))
                    if not q.get("lCommitteeId", "").isdigit() or start is None or end is None:
                        return self._send(500, b"System.ArgumentException: invalid parameters", "text/plain")
                    xml = site.meetings_xml.get(int(q["lCommitteeId"]), EMPTY_MEETINGS)
                    return self._xml(f"GetMeetings:{q['lCommitteeId']}", _in_window(xml, start, end))
                if path == "/mgWebService.asmx/GetMeeting":
                    mid = q.get("lMeetingId", "")
                    if not mid.isdigit() or int(mid) not in site.meeting_xml:
                        return self._send(500, b"System.NullReferenceException", "text/plain")
                    return self._xml(f"GetMeeting:{mid}", site.meeting_xml[int(mid)])
                if path == "/mgConvert2PDF.aspx":
                    aid = q.get("ID", "")
                    if not aid.isdigit() or int(aid) not in site.attachments:
                        return self._send(404, b"<html>Not found</html>", "text/html")
                    fault = site.faults.get(f"doc:{aid}")
                    if fault == "html":
                        return self._send(200, b"<html><body>Please log in</body></html>", "text/html")
                    if self._fault(fault):
                        return None
                    data = site.attachments[int(aid)]
                    etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
                    if self.headers.get("If-None-Match") == etag:
                        return self._send(304, b"", "application/pdf", {"ETag": etag})
                    site.downloads += 1
                    return self._send(200, data, "application/pdf", {"ETag": etag, "Last-Modified": formatdate(usegmt=True)})
                return self._send(404, b"not found", "text/plain")

            def _fault(self, fault: str | None) -> bool:
                if fault == "500":
                    self._send(500, b"Server Error", "text/plain")
                    return True
                if fault == "timeout":
                    time.sleep(3)
                    self._send(500, b"too late", "text/plain")
                    return True
                return False

            def _xml(self, key: str, text: str) -> None:
                fault = site.faults.get(key)
                if self._fault(fault):
                    return None
                if fault == "broken":
                    text = text[: len(text) // 2]
                if fault == "entities":
                    text = '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]><committees>&a;</committees>'
                return self._send(200, text.encode(), "text/xml; charset=utf-8")

            def _send(self, status: int, body: bytes, kind: str, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add_meeting(self, meeting_id: int, day: str, attachments: dict[int, int], restricted: set[int] = frozenset()) -> None:
        """Another confirmed Audit Committee meeting, made from the recorded one: its documents are
        the recorded documents renumbered (`attachments`: recorded id -> new id)."""
        xml = self.meeting_xml[4967].replace("<meetingid>4967</meetingid>", f"<meetingid>{meeting_id}</meetingid>")
        xml = xml.replace("10/02/2026", day)
        for old, new in attachments.items():
            xml = xml.replace(f"<attachmentid>{old}</attachmentid>", f"<attachmentid>{new}</attachmentid>")
            xml = xml.replace(f"ID={old}</url>", f"ID={new}</url>")
        for aid in restricted:
            xml = re.sub(
                rf"(<attachmentid>{aid}</attachmentid>.*?<isrestricted>)False(</isrestricted>)", r"\1True\2", xml, count=1, flags=re.S
            )
        self.meeting_xml[meeting_id] = xml
        entry = (
            f"      <meeting>\n        <meetingid>{meeting_id}</meetingid>\n        <meetingdate>{day}</meetingdate>\n"
            "        <meetingstatus>Confirmed</meetingstatus>\n        <meetingtime>10.00 am</meetingtime>\n"
            "        <iswebcast>False</iswebcast>\n      </meeting>\n    </committeemeetings>"
        )
        self.meetings_xml[144] = self.meetings_xml[144].replace("    </committeemeetings>", entry, 1)

    def __enter__(self) -> ReplaySite:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _in_window(xml: str, start: date, end: date) -> str:
    """The GetMeetings reply with only the meetings between the dates asked for, as the service does."""

    def keep(m: re.Match) -> str:
        day = _dmy(re.search(r"<meetingdate>([^<]*)</meetingdate>", m.group(0)).group(1))
        return m.group(0) if day and start <= day <= end else ""

    return re.sub(r"\s*<meeting>.*?</meeting>", keep, xml, flags=re.S)
