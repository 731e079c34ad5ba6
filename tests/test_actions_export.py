"""GET /actions/export.csv: every action GET /actions lists for the same filters and the caller's
clearance, as a CSV a spreadsheet opens safely. Over real papers (the HASSC log, the HOSC log, a
Kent Cabinet report with its appendix action plan) and planted ones: a restricted action log, a
log whose cells start like spreadsheet formulas, and a public appendix whose covering report is
restricted."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import EXAMPLES, KENT, make_service, seed
from fastapi.testclient import TestClient

from api.app import create_app
from api.csv_export import COLUMNS, safe_cell

AS_OF = "2025-03-01"
SECRET_OWNER = "Gideon Fairweather"
LICENSING = "Licensing Sub-Committee"
ICS_REPORT = KENT / "24-00115 - Adoption of Integrated Care Strategy delivery plan - Report.pdf"
ICS_APPENDIX = KENT / "24-00115 - Appendix B - KCC ICS priorities measures.pdf"

PLANTED = {
    "restricted-licensing-log.txt": f"""Classification: Restricted
Licensing Sub-Committee
Action Log, meeting of 9 December 2024

Reference\tAction\tAssigned to\tDue Date\tResponse
LSC/1\tReview the taxi licensing fees for hackney carriages\t{SECRET_OWNER}, Head of Licensing\t28 February 2025\tAwaiting Response
""",
    "parks-action-log.txt": """Classification: Unrestricted
Parks Committee
Action Log, meeting of 4 February 2025

Reference\tAction\tAssigned to\tDue Date\tResponse
PK/1\t=HYPERLINK("https://evil.example/x","Repaint the Mill Lane bandstand")\tParks Officer\t31 March 2025\t@SUM(A1:A9) was quoted by the contractor
PK/2\tReplace the benches on the green with "two-seat" models, as agreed\tClerk to the Parks Committee\tEnd of April, once the quotes are in, or sooner if funds allow\t+44 20 7946 0000 called back; in progress
""",
    # A restricted report and its public appendix, published together under one decision number.
    "31-00777 - Enforcement plan - Report.txt": """Classification: Restricted
Licensing Sub-Committee
Report title: Late-night premises enforcement
Date of meeting: 9 December 2024

1. Purpose
This report asks the sub-committee to note the enforcement plan in Appendix A.
""",
    "31-00777 - Appendix A - Enforcement actions.txt": """Appendix A
Enforcement plan

Action\tLed by\tTimescale
Visit every late-night premises in Wexley ward twice\tPetra Quillfeather, Head of Licensing\t31 January 2025
Publish the enforcement results on the website\tPetra Quillfeather, Head of Licensing\t28 February 2025
""",
}


@pytest.fixture(scope="module")
def service(tmp_path_factory, shared_embedder):
    folder = tmp_path_factory.mktemp("export-planted")
    for name, text in PLANTED.items():
        (folder / name).write_text(text, encoding="utf-8")
    svc = make_service(tmp_path_factory.mktemp("export-home"))
    svc.embedder = shared_embedder
    report = svc.ingest([seed("000"), EXAMPLES / "HOSC action log - 2024-25.pdf", ICS_REPORT, ICS_APPENDIX, folder])
    assert report.count("failed") == 0, report.summary()
    return svc


@pytest.fixture(scope="module")
def clients(service):
    app = create_app(service)
    _, key = service.access.create_key("member", "export test member")
    return {"public": TestClient(app), "member": TestClient(app, headers={"X-API-Key": key})}


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark, for Excel
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames) == COLUMNS
    return list(reader)


def _as_exported(a: dict) -> dict:
    """An action of GET /actions as its CSV row shows it."""
    row = {
        "reference": a["reference"], "action": a["action"], "committee": a["committee"], "meeting_date": a["meeting_date"],
        "owner": a["owner"], "due_date": a["due_date"], "due_text": a["due_text"], "status": a["status"],
        "overdue": "yes" if a["overdue"] else "no", "response": a["response"], "document": a["source"]["source"],
        "page": a["source"]["page"],
    }
    return {k: safe_cell(v) for k, v in row.items()}


FILTERS = [
    {},
    {"committee": "HASSC"},
    {"committee": "Health and Social Care Overview and Scrutiny Committee", "overdue": "true"},
    {"committee": "cabinet"},
    {"committee": LICENSING},
    {"owner": "Tom Okafor-Reid"},
    {"status": "open", "due_from": "2024-09-01", "due_to": "2025-03-31"},
    {"overdue": "false"},
    {"q": "staff retention"},
]


@pytest.mark.parametrize("role", ["public", "member"])
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "&".join(f"{k}={v}" for k, v in f.items()) or "all")
def test_the_export_holds_the_rows_the_listing_holds(clients, role, filters):
    params = {**filters, "as_of": AS_OF}
    listed = clients[role].get("/actions", params=params).json()
    response = clients[role].get("/actions/export.csv", params=params)
    rows = _csv(response)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="actions-{AS_OF}.csv"'
    assert len(rows) == listed["total"] == len(listed["actions"])
    assert [{k: r[k] for k in COLUMNS if k != "source_url"} for r in rows] == [
        {k: "" if v is None else str(v) for k, v in _as_exported(a).items()} for a in listed["actions"]
    ]
    for row, a in zip(rows, listed["actions"]):  # none came from a council's site: links to the original here
        s = a["source"]
        at_page = f"#page={s['page']}" if s["source"].endswith(".pdf") and s["page"] else ""
        assert row["source_url"] == f"http://testserver/documents/{s['document_id']}/file{at_page}"
    # Each filter here selects some actions, except the restricted log's committee for the public.
    assert bool(rows) == (role == "member" or filters.get("committee") != LICENSING)


def test_restricted_actions_are_never_exported_to_the_public(clients):
    public = clients["public"].get("/actions/export.csv").content.decode("utf-8-sig")
    member = clients["member"].get("/actions/export.csv").content.decode("utf-8-sig")
    assert SECRET_OWNER not in public and "hackney" not in public
    assert SECRET_OWNER in member and "hackney" in member  # the planted log is really there
    # Named by its committee, the restricted log is the same as a committee no paper has.
    assert _csv(clients["public"].get("/actions/export.csv", params={"committee": LICENSING, "as_of": AS_OF})) == []
    # The public appendix of a restricted report is exported, but without the report's committee.
    appendix = [r for r in csv.DictReader(io.StringIO(public)) if r["document"].startswith("31-00777")]
    assert len(appendix) == 2 and {r["committee"] for r in appendix} == {""}
    appendix = [r for r in csv.DictReader(io.StringIO(member)) if r["document"].startswith("31-00777")]
    assert {r["committee"] for r in appendix} == {LICENSING}


def test_formula_cells_are_neutralised(clients):
    rows = _csv(clients["public"].get("/actions/export.csv", params={"committee": "Parks Committee"}))
    by_ref = {r["reference"]: r for r in rows}
    assert by_ref["PK/1"]["action"].startswith("'=HYPERLINK(")
    assert by_ref["PK/1"]["response"].startswith("'@SUM(")
    assert by_ref["PK/2"]["response"].startswith("'+44 20")
    # Quotes, commas and long text survive as written.
    assert by_ref["PK/2"]["action"] == 'Replace the benches on the green with "two-seat" models, as agreed'
    assert by_ref["PK/2"]["due_text"].startswith("End of April, once the quotes are in")
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values()), row
    assert safe_cell("\tx") == "'\tx" and safe_cell("\rx") == "'\rx" and safe_cell("-1") == "'-1" and safe_cell(None) == ""
    assert safe_cell("Cabinet") == "Cabinet" and safe_cell(3) == "3"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "finished"}, "status"),
        ({"as_of": "23/11/2026"}, "as_of"),
        ({"overdue": "perhaps"}, "overdue"),
        ({"due_from": "2025-02-30"}, "due_from"),
        ({"due_from": "2025-01-01", "due_to": "2024-01-01"}, "due_from"),
        ({"committee": "x" * 201}, "committee"),
    ],
)
def test_malformed_filters_are_refused_naming_the_field(clients, params, field):
    for url in ("/actions/export.csv", "/actions"):
        r = clients["public"].get(url, params=params)
        assert r.status_code == 422 and r.json()["detail"].startswith(f"{field}:"), (url, r.text)


def test_an_export_over_the_limit_is_refused_not_cut_short(clients, service, monkeypatch):
    total = clients["public"].get("/actions").json()["total"]
    monkeypatch.setattr(service.settings.api, "max_export_rows", total - 1)
    r = clients["public"].get("/actions/export.csv")
    assert r.status_code == 422
    assert r.json()["detail"].startswith("filters:") and "PAPERS_API__MAX_EXPORT_ROWS" in r.json()["detail"]
    assert len(_csv(clients["public"].get("/actions/export.csv", params={"committee": "HASSC"}))) == 7


def test_an_appendix_that_names_no_committee_takes_its_reports(clients, service):
    """The Kent action plan (Appendix B to the 24/00115 Cabinet report) prints only the council's
    name; its actions are Cabinet's, as the report they were published with is."""
    listed = {c["name"]: c for c in clients["public"].get("/committees").json()["committees"]}
    plan = clients["public"].get("/actions", params={"committee": "Cabinet"}).json()["actions"]
    assert len(plan) == listed["Cabinet"]["actions"] >= 80
    assert {a["source"]["source"] for a in plan} == {ICS_APPENDIX.name}
    # The paper's own metadata stays as the paper has it.
    appendix = next(d for d in service.documents() if d.source == ICS_APPENDIX.name)
    assert appendix.committee is None
    assert not [a for a in clients["public"].get("/actions").json()["actions"] if not a["committee"] and "24-00115" in a["source"]["source"]]
