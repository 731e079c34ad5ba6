"""How councils head their papers, in many templates: the metadata detector reads committee,
meeting date and type from each (and leaves a field empty rather than guess). Invented headings in
the styles of English principal councils (ModernGov, CMIS, Civica), parish and town councils,
Welsh community councils, Scottish councils, NHS boards and public bodies. The real papers are
measured in bench/metadata_eval.py (tests/test_wider.py holds them to a floor)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.types import DocType
from ingest.clean import clean
from ingest.loaders import load
from ingest.metadata import detect_metadata

HEADINGS = [
    # (file name, text, committee, meeting date, type)
    ("m1.txt", "Minutes of a meeting of the Licensing Committee held at the Civic Centre on Tuesday, 4 March 2025 at 10.00 am\n\nPresent: Councillor A Smith (Chair)\n",
     "Licensing Committee", date(2025, 3, 4), DocType.minutes),
    ("m2.txt", "BRAMFORD PARISH COUNCIL\nMINUTES OF THE MEETING OF THE PARISH COUNCIL\nHELD ON MONDAY 12TH MAY 2025 AT 7.30PM IN THE VILLAGE HALL\n\nPresent: Cllrs J Brown (Chair), P Green\n1. Apologies were received from Cllr White.\n",
     "Bramford Parish Council", date(2025, 5, 12), DocType.minutes),
    ("m3.txt", "Minute of Meeting of the Education Committee held in the Council Chamber, Kirkton, on Thursday 6 February 2025 at 10.00 am.\n\nPresent: Councillors Reid and Fraser.\n",
     "Education Committee", date(2025, 2, 6), DocType.minutes),
    ("m4.txt", "Ashwell Town Council\nMinutes of the Annual Town Council Meeting held on 19 May 2025\n\nPresent: Councillors ...\nThe meeting closed at 9.05pm.\n",
     "Ashwell Town Council", date(2025, 5, 19), DocType.minutes),
    ("m5.txt", "CYNGOR CYMUNED LLANFAIR / LLANFAIR COMMUNITY COUNCIL\nMinutes of the meeting of Llanfair Community Council held on Wednesday 9 April 2025\n\nPresent: Cllr D Jones (Chair)\n",
     "Llanfair Community Council", date(2025, 4, 9), DocType.minutes),
    ("a1.txt", "NOTICE IS HEREBY GIVEN that a meeting of the Planning Committee will be held in the Council Chamber on Wednesday, 21 May 2025 at 6.30 pm\n\nAGENDA\n1. Apologies for absence\n2. Declarations of interest\n",
     "Planning Committee", date(2025, 5, 21), DocType.agenda),
    ("a2.txt", "To all members of Little Haddon Parish Council\nYou are hereby summoned to attend a meeting of Little Haddon Parish Council to be held at the Pavilion on Thursday 5 June 2025 at 7pm.\n\nAGENDA\n1. To receive apologies\n2. To approve the minutes of the meeting held on 1 May 2025\n",
     "Little Haddon Parish Council", date(2025, 6, 5), DocType.agenda),
    ("a3.txt", "Cabinet\nDate: Wednesday, 15 January 2025\nTime: 7.00 pm\nVenue: Committee Room 1\n\nAgenda\n1. Minutes of the previous meeting held on 11 December 2024\n",
     "Cabinet", date(2025, 1, 15), DocType.agenda),
    ("a4.txt", "Audit and Governance Committee\n\nNotice of Meeting\n\nThursday 27 March 2025, 2.00 pm\n\n1. Apologies for absence\n",
     "Audit and Governance Committee", date(2025, 3, 27), DocType.agenda),
    ("r1.txt", "Report to: Overview and Scrutiny Committee\nDate of meeting: 8 April 2025\nReport of: Director of Place\nSubject: Highways maintenance programme 2025/26\n\n1. Purpose of the report\n1.1 This report sets out the programme.\n",
     "Overview and Scrutiny Committee", date(2025, 4, 8), DocType.report),
    ("r2.txt", "COMMITTEE: HOUSING BOARD\nDATE: 10 JUNE 2025\nTITLE: Tenant satisfaction measures\nREPORT OF: Head of Housing\n\nRecommendation: that the Board notes the results.\n",
     "Housing Board", date(2025, 6, 10), DocType.report),
    ("d1.txt", "RECORD OF DECISION\nDecision taken by: Cabinet Member for Environment\nDate of decision: 14 February 2025\nSubject: Waste collection round changes\nExempt information? No\n",
     None, date(2025, 2, 14), DocType.decision),
    ("d2.txt", "Decision Notice\nDecision determined at the Cabinet meeting on 12 March 2025\nTitle: Local Plan Regulation 19 publication\nKey decision: Yes\n",
     "Cabinet", date(2025, 3, 12), DocType.decision),
    ("f1.txt", "FORWARD PLAN OF KEY DECISIONS\n1 April 2025 to 31 July 2025\n\nDecision: Award of leisure contract. Decision maker: Cabinet. Date: June 2025. Part exempt.\n",
     None, None, DocType.forward_plan),
    ("l1.txt", "Health Scrutiny Panel Action Log\nUpdated 3 March 2025\n\nRef\tAction\tOwner\tDue\tStatus\n1\tReport on waiting times\tDirector of Public Health\tApril 2025\tOpen\n",
     "Health Scrutiny Panel", None, DocType.action_log),
    ("n1.txt", "NHS Northmoor Integrated Care Board\nBoard Meeting held in Public\nMinutes of the meeting held on 2 April 2025\n\nPresent: Chair ...\n",
     "NHS Northmoor Integrated Care Board", date(2025, 4, 2), DocType.minutes),
    ("p1.md", "---\ntitle: \"Parish council minutes March\"\ndate: \"2021-04-02\"\n---\n\n**Stoke Ashby Parish Council**\n\nMinutes of the Parish Council Meeting held on Wednesday 3rd March 2021 at 7.30pm via Zoom\n\nPresent: Cllrs A Brown, B Green\n",
     "Stoke Ashby Parish Council", date(2021, 3, 3), DocType.minutes),
    ("i1.txt", "Minutes of Meeting of the Strategic Policy Committee held in the Council Chamber, City Hall, on Monday 11th December 2023 at 3.00 p.m.\n\nIN THE CHAIR: Councillor X\n",
     "Strategic Policy Committee", date(2023, 12, 11), DocType.minutes),
    ("t1.txt", "Agenda for the meeting of the Full Council of Dunmore Town Council to be held on Monday 6 May 2024 at 7.00pm\n\n1. Apologies\n2. Declarations\n",
     "Dunmore Town Council", date(2024, 5, 6), DocType.agenda),
    ("i2.txt", "Meeting of Limerick City and County Council\n\nMonday, 22nd January, 2024 at 3.00 p.m.\n\nAGENDA\n1. Adoption of minutes\n",
     "Limerick City and County Council", date(2024, 1, 22), DocType.agenda),
    ("p2.txt", "ASHBY PARISH COUNCIL\nClerk: Mrs J Smith, 1 High Street, Ashby AB1 2CD  Tel 01234 567890\nMINUTES\nof the Parish Council meeting held at the Village Hall on Thursday 10 October 2019 at 7.30pm\n\nPresent: Cllrs J Brown, P Green\n",
     "Ashby Parish Council", date(2019, 10, 10), DocType.minutes),
    ("o1.txt", "Westfield Parish Council\nRisk Assessment 2025/26\nReviewed and adopted at the meeting of 12 March 2025\n\nRisk\tLevel\tControl\nLoss of cash\tLow\tNo cash is handled\n",
     None, None, DocType.other),
]


@pytest.mark.parametrize("name,text,committee,meeting,kind", HEADINGS, ids=[h[0] for h in HEADINGS])
def test_headings_of_many_templates(tmp_path: Path, name, text, committee, meeting, kind):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    meta = detect_metadata(clean(load(path)))
    assert (meta.committee, meta.meeting_date, meta.doc_type) == (committee, meeting, kind)
    for field in ("committee", "meeting_date"):
        if getattr(meta, field) is None:
            assert field not in meta.provenance  # left empty, not guessed
        else:
            assert meta.provenance[field]["source"] in ("heading", "front_sheet") and meta.provenance[field]["evidence"]
