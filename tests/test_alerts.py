"""Alerts over the real pipeline and the HTTP API: a saved search fires once for what is new, only
for a caller allowed to see it when it is delivered; feeds and webhooks; other callers' alerts."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import EXAMPLES, make_service
from fastapi.testclient import TestClient

from api.app import create_app

ALLOTMENTS = "The council reviewed allotment rents and agreed new allotment rents of £45 a plot from April 2025.\n"
DEPOT = "NOT FOR PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A\nThe depot sale to Quillfeather Estates was agreed at £212,000.\n"
LIBRARY = "The library opening hours are extended on Saturdays from April.\n"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(params=["sqlite", "postgresql"])
def setup(request, tmp_path, shared_embedder):
    """A service whose alerts, keys and catalog are on each database in turn."""
    shared = {"database_url": request.getfixturevalue("postgres_url")} if request.param == "postgresql" else {}
    service = make_service(tmp_path / "home", alerts={"webhook_hosts": ["127.0.0.1"], "webhook_attempts": 2}, **shared)
    service.embedder = shared_embedder
    first = tmp_path / "first"
    first.mkdir()
    (first / "library.txt").write_text(LIBRARY)
    assert service.ingest([first]).count("failed") == 0
    app = create_app(service)
    keys = {role: service.access.create_key(role, f"test {role}") for role in ("member", "officer")}
    clients = {"public": TestClient(app)}
    for role, (record, secret) in keys.items():
        clients[role] = TestClient(app, headers={"Authorization": f"Bearer {secret}"})
    return service, clients, keys, tmp_path


def _ingest(service, folder, name, text):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    assert service.ingest([folder / name]).count("failed") == 0


def _entries(client, alert) -> list[str]:
    r = client.get(alert["feed_url"].split("testserver", 1)[1])
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    return [e.find(f"{ATOM}summary").text for e in ET.fromstring(r.text).iter(f"{ATOM}entry")]


def test_a_saved_search_delivers_what_is_new_once(setup):
    service, clients, _, tmp = setup
    alert = clients["member"].post("/alerts", json={"kind": "search", "query": "allotment rents"}).json()
    assert _entries(clients["member"], alert) == []
    _ingest(service, tmp / "new", "allotments.txt", ALLOTMENTS)
    entries = _entries(clients["member"], alert)
    assert len(entries) == 1 and "£45 a plot" in entries[0]
    _ingest(service, tmp / "new", "library2.txt", LIBRARY.replace("Saturdays", "Sundays"))
    assert service.deliver_alerts() == 0
    assert len(_entries(clients["member"], alert)) == 1, "delivered once"


def test_what_already_matched_is_not_delivered(setup):
    service, clients, _, _ = setup
    alert = clients["member"].post("/alerts", json={"kind": "search", "query": "library opening hours Saturdays"}).json()
    assert service.deliver_alerts() == 0 and _entries(clients["member"], alert) == []


def test_an_alert_is_delivered_only_to_a_caller_allowed_to_see_it_then(setup):
    service, clients, keys, tmp = setup
    member = clients["member"].post("/alerts", json={"kind": "search", "query": "depot sale Quillfeather"}).json()
    officer = clients["officer"].post("/alerts", json={"kind": "search", "query": "depot sale Quillfeather"}).json()
    public = clients["public"].post("/alerts", json={"kind": "search", "query": "depot sale Quillfeather"}).json()
    _ingest(service, tmp / "exempt", "depot.txt", DEPOT)
    assert service.document(service.documents()[0].id) is not None
    assert _entries(clients["member"], member) == [] and _entries(clients["public"], public) == []
    assert len(_entries(clients["officer"], officer)) == 1
    service.access.revoke(keys["officer"][0].id)  # a revoked key gets nothing more
    _ingest(service, tmp / "exempt", "depot2.txt", DEPOT.replace("£212,000", "£215,000 after a second valuation"))
    assert len(_entries(clients["public"], officer)) == 1


def test_other_callers_cannot_see_or_stop_an_alert_and_a_wrong_token_is_404(setup):
    _, clients, _, _ = setup
    alert = clients["member"].post("/alerts", json={"kind": "search", "query": "allotment rents"}).json()
    assert [a["id"] for a in clients["officer"].get("/alerts").json()["alerts"]] == []
    assert clients["officer"].delete(f"/alerts/{alert['id']}").status_code == 404
    assert clients["public"].delete(f"/alerts/{alert['id']}").status_code == 404
    wrong = clients["public"].get(f"/alerts/{alert['id']}/feed.atom", params={"token": "guess"})
    missing = clients["public"].get("/alerts/al_000000000000/feed.atom", params={"token": "guess"})
    assert wrong.status_code == missing.status_code == 404 and wrong.json() == {**missing.json(), "detail": wrong.json()["detail"]}
    assert clients["member"].delete(f"/alerts/{alert['id']}").status_code == 204
    assert clients["member"].get("/alerts").json()["alerts"] == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "search"}, "query"),
        ({"kind": "overdue"}, "committee or owner"),
        ({"kind": "search", "query": "x", "webhook_url": "http://169.254.169.254/latest/meta-data"}, "webhook_url"),
        ({"kind": "search", "query": "x", "webhook_url": "file:///etc/passwd"}, "webhook_url"),
        ({"kind": "nonsense", "query": "x"}, "kind"),
        ({"kind": "search", "query": "x" * 600}, "query"),
    ],
)
def test_bad_alerts_are_refused_naming_the_field(setup, body, field):
    _, clients, _, _ = setup
    r = clients["member"].post("/alerts", json=body)
    assert r.status_code == 422 and field in json.dumps(r.json())


def test_overdue_actions_for_a_committee_are_delivered_after_an_ingest(setup):
    service, clients, _, _ = setup
    alert = clients["member"].post("/alerts", json={"kind": "overdue", "committee": "Health Overview and Scrutiny Committee"}).json()
    assert service.ingest([EXAMPLES]).count("failed") == 0
    entries = _entries(clients["member"], alert)
    assert entries and all("Owner" in e for e in entries)


class _Hook:
    def __init__(self, fail_first: bool = True) -> None:
        self.received: list[tuple[bytes, str]] = []
        hook = self
        self.fail = fail_first

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.fail:
                    hook.fail = False
                    self.send_response(503)
                else:
                    hook.received.append((body, self.headers["X-Papers-Signature"]))
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_a_webhook_is_signed_and_retried(setup):
    service, clients, _, tmp = setup
    hook = _Hook()
    try:
        alert = clients["member"].post("/alerts", json={"kind": "search", "query": "allotment rents", "webhook_url": hook.url}).json()
        secret = alert["webhook_secret"]
        _ingest(service, tmp / "new", "allotments.txt", ALLOTMENTS)
        assert len(hook.received) == 1, "retried after a 503"
        body, signature = hook.received[0]
        assert signature == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        payload = json.loads(body)
        assert payload["subscription"] == alert["id"] and "£45 a plot" in payload["entries"][0]["summary"]
        assert "webhook_secret" not in clients["member"].get("/alerts").json()["alerts"][0]
    finally:
        hook.server.shutdown()


def test_one_caller_cannot_fill_the_store_with_alerts(setup, monkeypatch):
    from assistant import alerts as alerts_module

    _, clients, _, _ = setup
    monkeypatch.setattr(alerts_module, "PER_OWNER", 3)
    for n in range(3):
        assert clients["member"].post("/alerts", json={"kind": "search", "query": f"topic {n}"}).status_code == 201
    r = clients["member"].post("/alerts", json={"kind": "search", "query": "one more"})
    assert r.status_code == 422 and "the most one caller may keep" in r.json()["detail"]
    assert clients["officer"].post("/alerts", json={"kind": "search", "query": "one more"}).status_code == 201


def test_the_command_line_lists_removes_and_delivers_alerts(setup):
    from servers import papers_env, run_cli

    service, clients, _, _ = setup
    alert = clients["member"].post("/alerts", json={"kind": "search", "query": "allotment rents"}).json()
    shared = {"PAPERS_DATABASE_URL": service.settings.database_url} if service.settings.database_url else {}
    env = papers_env(service.settings.home, **shared)
    listed = run_cli(["alerts", "list"], env)
    assert listed.returncode == 0 and alert["id"] in listed.stdout and "allotment rents" in listed.stdout
    assert run_cli(["alerts", "deliver"], env).stdout.startswith("Delivered 0")
    assert run_cli(["alerts", "remove", alert["id"]], env).returncode == 0
    assert run_cli(["alerts", "remove", alert["id"]], env).returncode == 1
    assert clients["member"].get("/alerts").json()["alerts"] == []
