"""`papers sync moderngov` against a ModernGov site on loopback (tests/moderngov_replay.py: the
real responses recorded from Manchester City Council, real committee papers as attachments),
ingesting through the real pipeline into a real store."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import KENT, make_service
from moderngov_replay import ReplaySite
from servers import papers_env, run_cli

from core.types import Classification, SearchFilters
from sources.moderngov import ModernGovClient, SyncError, gone_documents, parse_xml

MINUTES_PDF = KENT / "CPP Minutes 10.12.24.pdf"
WORK_PROGRAMME_PDF = KENT / "Appendix 3 - TMG meeting note 14 November 2024.pdf"
OTHER_PDF = KENT / "Cabinet QPR Q3 Cover.pdf"
WINDOW = {"date_from": date(2025, 12, 1), "date_to": date(2026, 4, 30)}
FAST = {"timeout_seconds": 1, "retries": 1, "backoff_seconds": 0.05, "rate": 100}
PUBLIC = SearchFilters(clearance=frozenset({Classification.public}))


@pytest.fixture
def site():
    with ReplaySite({60860: MINUTES_PDF.read_bytes(), 60909: WORK_PROGRAMME_PDF.read_bytes()}) as s:
        yield s


@pytest.fixture
def service(tmp_path, shared_embedder):
    svc = make_service(tmp_path / "home", sync=FAST)
    svc.embedder = shared_embedder
    return svc


def _by_source(service) -> dict:
    return {d.source: d for d in service.documents()}


def test_a_first_sync_ingests_the_published_documents_with_the_services_metadata(site, service):
    report = service.sync_moderngov(site.url, **WINDOW)
    assert report.failures == [] and report.committees == 2 and report.meetings == 1  # the expired committee and the cancelled meeting left out
    assert report.documents["new"] == 2 and sorted(f.status for f in report.ingest) == ["added", "added"]
    assert not any("lMeetingId=4966" in r for r in site.requests), "a cancelled meeting is not fetched"
    docs = _by_source(service)
    minutes = docs["60860.pdf"]
    assert minutes.committee == "Audit Committee" and minutes.meeting_date == date(2026, 2, 10)
    assert minutes.title == "6 - CHAIR APPROVED  Minutes Audit Committee 25 Nov 2025"
    assert minutes.provenance["committee"]["source"] == "moderngov"
    assert minutes.provenance["source_url"]["evidence"] == "https://democracy.manchester.gov.uk/mgConvert2PDF.aspx?ID=60860"
    assert minutes.provenance["agenda_item"]["evidence"] == "4 Minutes"
    assert docs["60909.pdf"].title == "DRAFT WP  FEBRUARY 2026" and docs["60909.pdf"].classification is Classification.public
    assert all(r.startswith("/mgWebService.asmx/") or r.startswith("/mgConvert2PDF.aspx?ID=") for r in site.requests)
    assert any("sFromDate=01%2F12%2F2025" in r and "sToDate=30%2F04%2F2026" in r for r in site.requests)


def test_a_second_sync_fetches_and_embeds_nothing(site, service):
    service.sync_moderngov(site.url, **WINDOW)
    generation, downloads = service.catalog.generation(), site.downloads
    again = service.sync_moderngov(site.url, **WINDOW)
    assert again.documents == {"new": 0, "changed": 0, "unchanged": 2, "failed": 0, "gone": 0}
    assert site.downloads == downloads, "unchanged documents are asked for conditionally (304)"
    assert {f.status for f in again.ingest} == {"unchanged"} and service.catalog.generation() == generation


def test_a_changed_attachment_replaces_its_paper(site, service):
    service.sync_moderngov(site.url, **WINDOW)
    before = _by_source(service)["60909.pdf"]
    site.attachments[60909] = OTHER_PDF.read_bytes()
    report = service.sync_moderngov(site.url, **WINDOW)
    assert report.documents["changed"] == 1 and report.documents["unchanged"] == 1
    after = _by_source(service)["60909.pdf"]
    assert after.id == before.id and after.sha256 != before.sha256 and len(service.documents()) == 2


def test_a_document_the_service_marks_restricted_is_never_public(site, service):
    site.add_meeting(4970, "10/03/2026", {60860: 70860, 60909: 70909}, restricted={70909})
    site.attachments[70860] = MINUTES_PDF.read_bytes().replace(b"%%EOF", b"%%EOF\n% copy")
    site.attachments[70909] = OTHER_PDF.read_bytes()
    report = service.sync_moderngov(site.url, **WINDOW)
    assert report.failures == [] and report.documents["new"] == 4
    restricted = _by_source(service)["70909.pdf"]
    assert restricted.classification is Classification.restricted
    assert restricted.provenance["classification"]["source"] == "moderngov"
    assert "70909.pdf" not in {d.source for d in service.documents(PUBLIC.clearance)}
    question = "Quarterly Performance Report cover Cabinet"
    assert all(p.chunk.document_id != restricted.id for p in service.search(question, PUBLIC, 20))
    officer = SearchFilters(clearance=frozenset(Classification))
    assert any(p.chunk.document_id == restricted.id for p in service.search(question, officer, 20))


@pytest.mark.parametrize("fault", ["500", "timeout", "broken"])
def test_one_failing_meeting_leaves_the_others_synced(site, service, fault):
    site.add_meeting(4971, "10/03/2026", {60860: 71860, 60909: 71909})
    site.attachments[71860] = OTHER_PDF.read_bytes()
    site.attachments[71909] = OTHER_PDF.read_bytes() + b"\n% another"
    site.faults["GetMeeting:4967"] = fault
    report = service.sync_moderngov(site.url, **WINDOW)
    assert report.documents["new"] == 2 and {f.status for f in report.ingest} == {"added"}
    assert len(report.failures) == 1 and "GetMeeting 4967" in report.failures[0]
    assert {"timeout": "Timeout", "500": "HTTP 500", "broken": "not well-formed XML"}[fault] in report.failures[0]
    assert set(_by_source(service)) == {"71860.pdf", "71909.pdf"}


def test_a_download_that_is_not_a_pdf_is_reported_and_kept_out(site, service):
    site.faults["doc:60909"] = "html"
    report = service.sync_moderngov(site.url, **WINDOW)
    assert report.documents["new"] == 1 and report.documents["failed"] == 1
    assert any("document 60909" in f and "web page" in f for f in report.failures)
    assert set(_by_source(service)) == {"60860.pdf"}


def test_a_document_gone_upstream_is_kept_and_flagged(site, service):
    service.sync_moderngov(site.url, **WINDOW)
    site.meeting_xml[4967] = site.meeting_xml[4967].replace("<attachmentid>60909</attachmentid>", "<attachmentid>x</attachmentid>")
    report = service.sync_moderngov(site.url, **WINDOW)
    assert report.documents["gone"] == 1
    assert "60909.pdf" in _by_source(service), "never silently deleted"
    assert list(gone_documents(service.settings.sources_path / "moderngov", site.url)) == [60909]


def test_an_unreachable_site_is_one_clear_failure(tmp_path, service):
    report = service.sync_moderngov("http://127.0.0.1:9", **WINDOW)
    assert report.documents["new"] == 0 and len(report.failures) == 1 and "GetCommittees" in report.failures[0]


def test_committees_are_chosen_by_title_or_id_and_an_unknown_one_is_said(site, service):
    report = service.sync_moderngov(site.url, ["audit committee", "999"], **WINDOW)
    assert report.committees == 1 and report.documents["new"] == 2
    assert report.failures == ["committee '999': not on the site"]


def test_xml_with_entities_is_refused_and_addresses_are_checked(site):
    with pytest.raises(SyncError, match="document type"):
        parse_xml(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><committees>&a;</committees>', "GetCommittees")
    with pytest.raises(ValueError, match="not a web address"):
        ModernGovClient("democracy.example.gov.uk; rm -rf /")
    site.faults["GetCommittees"] = "entities"
    client = ModernGovClient(site.url, timeout=2, retries=0)
    with pytest.raises(SyncError, match="document type"):
        client.committees()
    client.close()


def test_papers_sync_from_the_command_line_then_refreshes_the_configured_sites(site, tmp_path):
    home = tmp_path / "cli-home"
    env = papers_env(home, **{f"PAPERS_SYNC__{k.upper()}": str(v) for k, v in FAST.items()})
    first = run_cli(["sync", "moderngov", site.url, "--from", "2025-12-01", "--to", "2026-04-30", "-q"], env)
    assert first.returncode == 0, first.stderr
    assert "2 new" in first.stdout and "ingested 2" in first.stdout
    sites = json.loads((home / "sources" / "sources.json").read_text())["sites"]
    assert sites == [{"kind": "moderngov", "url": site.url, "committees": []}]
    again = run_cli(["sync", "-q"], env)
    assert again.returncode == 0, again.stderr
    assert "0 new" in again.stdout


def test_a_sources_sidecar_raises_a_classification_but_never_lowers_one_or_borrows_a_detectors_name(tmp_path, service):
    folder = tmp_path / "papers"
    folder.mkdir()
    exempt = folder / "sale.txt"
    exempt.write_text("NOT FOR PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A\nThe depot sale price is agreed.\n")
    (folder / "sale.txt.meta.json").write_text(json.dumps({"source": "moderngov", "min_classification": "restricted"}))
    plain = folder / "plain.txt"
    plain.write_text("The library opening hours are extended on Saturdays from April.\n")
    (folder / "plain.txt.meta.json").write_text(json.dumps({"source": "heading", "committee": "Cabinet"}))
    report = service.ingest([folder])
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in report.files}
    assert by_name["sale.txt"].status == "added"
    assert _by_source(service)["sale.txt"].classification is Classification.exempt  # "at least restricted" kept it exempt
    assert by_name["plain.txt"].status == "failed" and "field 'source'" in by_name["plain.txt"].reason


def test_citations_of_a_synced_paper_link_to_the_councils_page_and_only_to_a_web_address(site, service, tmp_path):
    service.sync_moderngov(site.url, **WINDOW)
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(service)) as client:
        results = client.get("/search", params={"q": "Audit Committee minutes", "k": 10}).json()["results"]
    linked = {r["source"]: r["source_url"] for r in results}
    assert linked.get("60860.pdf") == "https://democracy.manchester.gov.uk/mgConvert2PDF.aspx?ID=60860"
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "odd.txt").write_text("The bowls club lease was renewed for ten years at the same rent.\n")
    (folder / "odd.txt.meta.json").write_text(json.dumps({"source": "moderngov", "source_url": "javascript:alert(document.cookie)"}))
    assert service.ingest([folder]).count("failed") == 0
    passages = service.search("bowls club lease renewed", None, 3)
    assert passages and passages[0].chunk.source == "odd.txt" and passages[0].chunk.source_url is None


def test_papers_serve_refreshes_the_configured_sites_on_its_interval_while_answering(site, tmp_path, shared_embedder):
    import time

    from fastapi.testclient import TestClient

    from api.app import create_app
    from sources.moderngov import remember_site

    svc = make_service(tmp_path / "sched-home", sync={**FAST, "interval_minutes": 0.01, "days_back": 400, "days_ahead": 400})
    svc.embedder = shared_embedder
    remember_site(svc.settings.sources_path / "sources.json", site.url, [])
    with TestClient(create_app(svc)) as client:
        deadline = time.time() + 60
        while time.time() < deadline and len(svc.documents()) < 2:
            assert client.get("/health").status_code == 200  # queries keep answering meanwhile
            time.sleep(0.3)
        assert {d.source for d in svc.documents()} == {"60860.pdf", "60909.pdf"}
        while time.time() < deadline and client.app.state.syncs.runs < 1:
            time.sleep(0.1)
        assert client.app.state.syncs.runs >= 1


def test_a_synced_papers_id_comes_from_the_site_and_attachment_not_the_local_path(site, service, tmp_path):
    from ingest.pipeline import document_id_for

    service.sync_moderngov(site.url, **WINDOW)
    doc = _by_source(service)["60860.pdf"]
    host = service.settings.sources_path / "moderngov"
    folder = next(p for p in host.iterdir() if p.is_dir())
    assert doc.id == document_id_for(tmp_path / "anywhere.pdf", f"moderngov:{folder.name}:60860")


def test_one_bad_configured_site_never_stops_the_others(site, service):
    from sources.moderngov import remember_site

    sources = service.settings.sources_path / "sources.json"
    remember_site(sources, "not a web address", [])
    remember_site(sources, site.url, [])
    reports = service.sync_all()
    assert len(reports) == 2 and "not a web address" in reports[0].failures[0]
    assert reports[1].documents["new"] == 2
