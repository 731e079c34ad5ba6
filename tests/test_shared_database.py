"""The same papers in SQLite and in PostgreSQL read the same, through every read the catalog and the
service offer, for every role; keys, the audit log and the ingest lock work on both; hostile text
(quotes, placeholders, NUL characters, wildcards) is data in both. A real PostgreSQL cluster
(Debian's, a throwaway one on loopback), the real model and real papers."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import date

import pytest
from conftest import EXAMPLES, KENT, make_service

from core.types import ActionFilters, ActionStatus, Classification, DecisionFilters, SearchFilters

ROLES = {
    "public": frozenset({Classification.public}),
    "officer": frozenset({Classification.public, Classification.restricted}),
    "everyone": None,
}
EXEMPT = (
    "NOT FOR PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A\nCabinet\n"
    "Report title: Depot land sale\nDate of meeting: 14 January 2025\n\n1. Purpose\n"
    "The sale of the Quarry Road depot to Felbridge Homes is agreed at 1.1 million pounds.\n"
)
QUESTIONS = [
    "What did the Planning Committee decide?",
    "homelessness prevention grant allocation",
    "Which actions are overdue?",
    "What happened to the Family Hubs decision?",
    "Quarry Road depot sale price",
    "internal audit opinion",
]


@pytest.fixture(scope="module")
def twins(tmp_path_factory, shared_embedder, postgres_server):
    """The same papers ingested into an SQLite service and a PostgreSQL one."""
    papers = tmp_path_factory.mktemp("twin-papers")
    for f in EXAMPLES.iterdir():
        (papers / f.name).write_bytes(f.read_bytes())
    for name in ("Scrutiny Committee - call-in Family Hubs Report to Cabinet - FINAL.pdf", "CPP Minutes 10.12.24.pdf"):
        (papers / name).write_bytes((KENT / name).read_bytes())
    (papers / "depot.txt").write_text(EXEMPT, encoding="utf-8")
    url = postgres_server.database("papers_twins")
    lite = make_service(tmp_path_factory.mktemp("lite-home"))
    pg = make_service(tmp_path_factory.mktemp("pg-home"), database_url=url)
    for service in (lite, pg):
        service.embedder = shared_embedder
        report = service.ingest([papers])
        assert report.count("failed") == 0, report.summary()
    yield lite, pg
    pg.database.close()


def _plain(value):
    """A read's result as plain data, to compare the two databases' answers."""
    if dataclasses.is_dataclass(value):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(map(str, value))
    return value


def _catalog_reads(catalog, clearance) -> dict:
    docs = catalog.documents(clearance)
    chunk_ids = sorted(c.id for c in catalog.iter_chunks())
    decisions = catalog.decisions(clearance=clearance)
    first = docs[0].id if docs else ""
    return {
        "documents": docs,
        "page_of_documents": catalog.documents(clearance, limit=2, offset=1),
        "counts": catalog.counts(clearance),
        "committee_counts": catalog.committee_counts(clearance),
        "committee_bodies": catalog.committee_bodies(clearance),
        "has_actions": catalog.has_actions(clearance),
        "has_decisions": catalog.has_decisions(clearance),
        "chunks": catalog.get_chunks(chunk_ids, clearance),
        "front": catalog.front_chunks([d.id for d in docs], 2, clearance),
        "pages": [catalog.page_chunks(d.id, p, clearance) for d in docs for p in (1, 2, 3, 40)],
        "context": [catalog.passage_in_context(first, cid, clearance) for cid in chunk_ids[:40]],
        "documents_one_by_one": [catalog.get_document(d.id, clearance) for d in docs],
        "actions": catalog.actions(clearance=clearance),
        "overdue": catalog.actions(clearance=clearance, overdue_on=date(2025, 6, 1)),
        "open": catalog.actions(clearance=clearance, status=ActionStatus.open, due_from=date(2024, 1, 1)),
        "a_committee": catalog.actions(clearance=clearance, committee=lambda c: "scrutiny" in (c or "").lower()),
        "an_owner": catalog.actions(clearance=clearance, owner=lambda c: c is not None and "director" in c.lower()),
        "owner_none": catalog.actions(clearance=clearance, owner=lambda c: c is None),
        "decisions": decisions,
        "decided_by": catalog.decisions(clearance=clearance, body=lambda b: "cabinet" in (b or "").lower()),
        "by_kind_and_date": catalog.decisions(clearance=clearance, date_from=date(2024, 12, 1), date_to=date(2025, 3, 31)),
        "by_reference": [catalog.decisions(clearance=clearance, reference=r) for d in decisions for r in d.refs[:1]],
        "candidates": [catalog.decision_candidates(d, clearance) for d in decisions[:15]],
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_catalog_read_is_the_same_from_either_database(twins, role):
    lite, pg = twins
    clearance = ROLES[role]
    a, b = _catalog_reads(lite.catalog, clearance), _catalog_reads(pg.catalog, clearance)
    assert a["documents"] and a["chunks"] and a["actions"] and a["decisions"]  # the comparison compares something
    for read in a:
        assert _plain(a[read]) == _plain(b[read]), read
    assert lite.catalog.snapshot()[1] == pg.catalog.snapshot()[1]
    ids = sorted(lite.catalog.chunk_ids())
    assert lite.catalog.token_states(ids) == pg.catalog.token_states(ids)
    for d in a["documents"]:
        assert lite.catalog.highest_classification(d.id) == pg.catalog.highest_classification(d.id)
        assert lite.catalog.fingerprint(d.id) == pg.catalog.fingerprint(d.id)


@pytest.mark.parametrize("role", ["public", "officer"])
def test_searches_answers_actions_and_decisions_are_the_same(twins, role):
    lite, pg = twins
    clearance = ROLES[role]
    for q in QUESTIONS:
        filters = SearchFilters(clearance=clearance)
        ours = [(p.chunk.id, round(p.score, 6)) for p in lite.search(q, filters, 8)]
        theirs = [(p.chunk.id, round(p.score, 6)) for p in pg.search(q, filters, 8)]
        assert ours == theirs, q
        a, b = lite.ask(q, filters, as_of=date(2025, 6, 1)), pg.ask(q, filters, as_of=date(2025, 6, 1))
        assert (a.answer, a.mode, [c.passage.chunk.id for c in a.citations]) == (b.answer, b.mode, [c.passage.chunk.id for c in b.citations]), q
    for f in (ActionFilters(clearance=clearance), ActionFilters(overdue=True, clearance=clearance),
              ActionFilters(committee="HOSC", clearance=clearance), ActionFilters(owner="O'Brien ?%", clearance=clearance)):
        assert _plain(lite.actions(f, as_of=date(2025, 6, 1))) == _plain(pg.actions(f, as_of=date(2025, 6, 1)))
    for f in (DecisionFilters(clearance=clearance), DecisionFilters(body="Cabinet", clearance=clearance),
              DecisionFilters(q="family hubs", clearance=clearance), DecisionFilters(reference="24/00093", clearance=clearance)):
        assert _plain(lite.decisions(f)) == _plain(pg.decisions(f))
    assert lite.committee_list(clearance) == pg.committee_list(clearance)


def test_the_exempt_paper_is_hidden_alike_and_changes_apply_alike(twins):
    lite, pg = twins
    depot = next(d for d in lite.documents() if d.source == "depot.txt")
    for service in (lite, pg):
        public = SearchFilters(clearance=ROLES["public"])
        assert not any("Felbridge" in p.chunk.text for p in service.search("Quarry Road depot sale", public, 10))
        assert all(d.id != depot.id for d in service.documents(ROLES["public"]))
    before = (lite.catalog.generation(), pg.catalog.generation())
    for service in (lite, pg):
        service.reclassify(depot.id, Classification.restricted)
    assert _plain(_catalog_reads(lite.catalog, ROLES["officer"])) == _plain(_catalog_reads(pg.catalog, ROLES["officer"]))
    for service in (lite, pg):
        service.reclassify(depot.id, Classification.exempt)
        service.delete_document(depot.id)
        assert service.catalog.get_document(depot.id) is None
    assert _plain(_catalog_reads(lite.catalog, None)) == _plain(_catalog_reads(pg.catalog, None))
    after = (lite.catalog.generation(), pg.catalog.generation())
    assert after[0] - before[0] == after[1] - before[1] == 3


def test_hostile_text_is_data_in_postgresql(twins, tmp_path):
    """Quotes, SQL placeholders, wildcards and a NUL character in questions, filters and a paper's
    text: each is a value, never SQL, and a NUL (which PostgreSQL's text cannot hold) is stored as
    U+FFFD instead of failing the paper."""
    _, pg = twins
    for q in ("'; DROP TABLE chunks; --", "50% ? %s $1 \\x00", "Robert'); --"):
        pg.search(q, SearchFilters(committee=q, clearance=ROLES["public"]), 5)
        pg.ask(q, SearchFilters(clearance=ROLES["public"]))
        pg.actions(ActionFilters(owner=q, committee=q, q=q, clearance=ROLES["public"]))
        pg.decisions(DecisionFilters(body=q, q=q, reference=q, clearance=ROLES["public"]))
    assert pg.catalog.counts()[0] >= 6  # nothing dropped
    (tmp_path / "nul.txt").write_text("Parish Council\nThe bench on the green\x00 is to be repainted in May.\n")
    report = pg.ingest([tmp_path / "nul.txt"])
    assert report.count("failed") == 0, report.summary()
    hit = pg.search("bench on the green repainted", SearchFilters(clearance=ROLES["public"]), 3)
    assert hit and "\x00" not in hit[0].chunk.text and "repainted" in hit[0].chunk.text
    pg.delete_document(report.files[0].document_id)


def test_keys_audit_and_tickets_on_postgresql(twins):
    _, pg = twins
    record, secret = pg.access.create_key("officer", "O'Brien's key; --")
    who = pg.access.authenticate(secret)
    assert (who.role, who.name) == ("officer", "O'Brien's key; --")
    assert pg.access.record(who, "GET", "/search", 200, "q = '?'", ["doc-1", "doc-1"])
    assert pg.access.audit(1)[0]["query"] == "q = '?'"
    ticket = pg.access.file_ticket(who, "doc-1")
    assert pg.access.redeem_ticket(ticket, "doc-1").key_id == record.id
    assert pg.access.revoke(record.id) and not pg.access.revoke(record.id)
    assert pg.access.current_clearance(record.id) is None


def test_one_ingest_at_a_time_across_processes_sharing_the_database(twins, tmp_path):
    """The ingest lock is the database's: held elsewhere (here a second connection, as another
    replica's would be), an ingest waits for it and, past its wait, is refused as busy."""
    from core.database import PostgresDatabase
    from core.errors import IngestBusy

    _, pg = twins
    other = PostgresDatabase(pg.settings.database_url)  # its own connections: another replica
    (tmp_path / "a.txt").write_text("Parish Council\nThe village hall roof is to be repaired.\n")
    pg.settings.ingest.lock_wait_seconds = 0.5
    try:
        with other.lock("ingest"):
            with pytest.raises(IngestBusy, match="another ingest or sync is running"):
                pg.ingest([tmp_path / "a.txt"])
        released = threading.Event()

        def hold_briefly():
            with other.lock("ingest"):
                released.wait(5)
                time.sleep(0.3)

        holder = threading.Thread(target=hold_briefly)
        holder.start()
        time.sleep(0.2)
        pg.settings.ingest.lock_wait_seconds = 10
        released.set()
        t0 = time.monotonic()
        report = pg.ingest([tmp_path / "a.txt"])  # waits for the other holder, then runs
        holder.join()
        assert report.count("failed") == 0 and time.monotonic() - t0 >= 0.2
        pg.delete_document(report.files[0].document_id)
    finally:
        other.close()
        pg.settings.ingest.lock_wait_seconds = 900


def test_a_bad_database_url_is_a_clear_error(tmp_path, postgres_server):
    from core.database import PostgresDatabase
    from core.errors import ConfigError, DatabaseUnavailable

    with pytest.raises(ConfigError, match="PAPERS_DATABASE_URL"):
        PostgresDatabase("mysql://user@host/papers")
    gone = PostgresDatabase(f"postgresql://papers:secret-pw@127.0.0.1:{postgres_server.port + 1}/papers")
    with pytest.raises(DatabaseUnavailable) as err:
        gone.conn()
    assert "unreachable" in str(err.value) and "secret-pw" not in str(err.value)
    service = make_service(tmp_path / "home", database_url=gone.url)
    report = service.health()
    assert report["database_reachable"] is False and report["status"] == "degraded" and report["database"] == "postgresql"
