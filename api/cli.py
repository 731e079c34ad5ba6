"""`papers`: the command line. Commands parse arguments, call the service, print; errors become
one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from api.schemas import action_json, answer_json, document_json, key_json, passage_json
from core.config import get_settings
from core.types import ActionFilters, ActionStatus, SearchFilters


def _service():
    from assistant.service import PapersService

    return PapersService(get_settings())


def _filters(args) -> SearchFilters:
    return SearchFilters(
        committee=getattr(args, "committee", None),
        date_from=getattr(args, "date_from", None),
        date_to=getattr(args, "date_to", None),
    )


def _iso(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date in YYYY-MM-DD form") from None


def _print_passage(n, p) -> None:
    c = p.chunk
    where = ", ".join(
        x for x in [c.source, c.committee, c.meeting_date.isoformat() if c.meeting_date else None,
                    f"page {c.page}" if c.page else None] if x
    )
    label = f"[{n}] " if n is not None else ""
    print(f"{label}{where}  (score {p.score:.4f})")
    print("    " + c.text.replace("\n", "\n    ")[:600])


def cmd_ingest(args) -> int:
    service = _service()
    if args.if_empty and (held := service.document_count()):
        print(f"Store already holds {held} documents; not ingesting (--if-empty).")
        return 0
    report = service.ingest([Path(p) for p in args.paths], progress=not args.quiet, allow_declassify=args.allow_declassify)
    print(report.summary())
    return 1 if report.count("failed") and not report.documents and not report.count("unchanged") else 0


def cmd_sync(args) -> int:
    """`papers sync moderngov URL ...`, or `papers sync` to refresh every configured site."""
    service = _service()
    if args.kind is None:
        reports = service.sync_all(progress=not args.quiet)
        if not reports:
            print("No sites configured yet: papers sync moderngov https://democracy.example.gov.uk")
            return 0
    else:
        if not args.url:
            print("papers sync moderngov: give the site's address, e.g. https://democracy.kent.gov.uk")
            return 2
        reports = [
            service.sync_moderngov(args.url, args.committee or [], args.date_from, args.date_to, progress=not args.quiet, body=args.body)
        ]
    failed = False
    for report in reports:
        print(report.summary())
        ingested = [f for f in report.ingest if f.status in ("added", "replaced")]
        bad = [f for f in report.ingest if f.status == "failed"]
        print(f"  ingested {len(ingested)}, unchanged {sum(f.status == 'unchanged' for f in report.ingest)}, failed {len(bad)}")
        for f in bad:
            print(f"  failed: {f.path}: {f.reason}")
        failed = failed or bool(report.failures) and not report.files
    return 1 if failed else 0


def cmd_ask(args) -> int:
    answer = _service().ask(args.question, _filters(args), args.k, getattr(args, "as_of", None))
    if args.json:
        print(json.dumps(answer_json(answer), indent=2, ensure_ascii=False))
        return 0
    print(answer.answer)
    print()
    for c in answer.citations:
        _print_passage(c.n, c.passage)
    return 0


def cmd_search(args) -> int:
    passages = _service().search(args.query, _filters(args), args.k)
    if args.json:
        print(json.dumps({"query": args.query, "results": [passage_json(p) for p in passages]}, indent=2, ensure_ascii=False))
        return 0
    for i, p in enumerate(passages, 1):
        _print_passage(i, p)
    if not passages:
        print("No passages found.")
    return 0


def cmd_actions(args) -> int:
    filters = ActionFilters(
        committee=args.committee,
        status=ActionStatus(args.status) if args.status else None,
        overdue=True if args.overdue else None,
        owner=args.owner,
        due_from=args.due_from,
        due_to=args.due_to,
        q=args.q,
    )
    as_of, views = _service().actions(filters, args.as_of)
    if args.json:
        print(json.dumps({"as_of": as_of.isoformat(), "actions": [action_json(v) for v in views]}, indent=2, ensure_ascii=False))
        return 0
    for v in views:
        a = action_json(v)
        flag = {"awaiting_response": "OVERDUE (response awaited)", "no_update_recorded": "OVERDUE (no update recorded)"}.get(
            a["overdue_kind"] or "", ""
        )
        print(f"{a['committee'] or '-'} | raised {a['meeting_date'] or '-'} | due {a['due_date'] or a['due_text'] or '-'} | {a['status']} {flag}".rstrip())
        print(f"    {a['action'][:200]}")
        print(f"    owner: {a['owner'] or '-'}")
        src = a["source"]
        print(f"    source: {src['source']}" + (f", page {src['page']}" if src["page"] else ""))
    print(f"{len(views)} action{'' if len(views) == 1 else 's'} as of {as_of.isoformat()}")
    return 0


def cmd_decisions(args) -> int:
    from api.schemas import chain_json, decision_json
    from core.types import DecisionFilters, DecisionKind

    service = _service()
    if args.id:
        record, chain = service.decision(args.id)
        if args.json:
            print(json.dumps({"decision": decision_json(record), "chain": chain_json(chain)}, indent=2, ensure_ascii=False))
            return 0
        print(f"Where it stands: {chain.state}")
        for step in chain.steps:
            d = step.decision
            print(f"  {d.meeting_date or '-'} | {step.outcome} | {d.source_label or d.source}" + (f", page {d.page}" if d.page else ""))
            print(f"      {d.text[:200]}")
        for gap in chain.gaps:
            print(f"  note: {gap}")
        return 0
    filters = DecisionFilters(
        body=args.body, kind=DecisionKind(args.kind) if args.kind else None, reference=args.reference, q=args.q,
        date_from=args.date_from, date_to=args.date_to,
    )
    records = service.decisions(filters)
    if args.json:
        print(json.dumps({"total": len(records), "decisions": [decision_json(r) for r in records]}, indent=2, ensure_ascii=False))
        return 0
    for r in records:
        votes = f" ({r.votes.summary()})" if r.votes and r.votes.summary() else ""
        print(f"{r.meeting_date or '-'} | {r.body or '-'} | {r.kind.value}{votes} | ref {r.reference or '-'} | id {r.id}")
        print(f"    {r.text[:200]}")
        print(f"    source: {r.source_label or r.source}" + (f", page {r.page}" if r.page else ""))
    print(f"{len(records)} record{'' if len(records) == 1 else 's'}")
    return 0


def cmd_documents(args) -> int:
    docs = _service().documents()
    if args.json:
        print(json.dumps({"documents": [document_json(d) for d in docs]}, indent=2, ensure_ascii=False))
        return 0
    for d in docs:
        print(
            f"{d.id}  {d.meeting_date or '----------'}  {d.doc_type.value:11} "
            f"{(d.committee_acronym or d.committee or '-')[:28]:28}  {d.source}"
        )
    print(f"{len(docs)} documents")
    return 0


def cmd_alerts(args) -> int:
    """Every caller's alerts (the CLI runs on the server with full access), removing one, or
    delivering what is new now."""
    service = _service()
    if args.alerts_command == "deliver":
        print(f"Delivered {service.deliver_alerts()} new entries.")
        return 0
    if args.alerts_command == "remove":
        if not service.alerts.remove(args.alert_id):
            print(f"papers: error: no alert with id '{args.alert_id}'", file=sys.stderr)
            return 1
        print(f"Removed {args.alert_id}")
        return 0
    for owner, a in service.alerts.everyone():
        what = a.query if a.kind == "search" else f"overdue: {a.committee or ''} {a.owner_name or ''}".strip()
        hook = f" webhook {a.webhook_url}" + (f" (last error: {a.last_error})" if a.last_error else "") if a.webhook_url else ""
        print(f"{a.id}  {owner}  {a.kind}: {what}{' [' + a.committee + ']' if a.kind == 'search' and a.committee else ''}{hook}")
    return 0


def cmd_keys(args) -> int:
    access = _service().access
    if args.keys_command == "create":
        try:
            key, secret = access.create_key(args.role, args.name)
        except ValueError as exc:
            print(f"papers: error: {exc}", file=sys.stderr)
            return 2
        print(f"Created {key.id} ({key.role}, \"{key.name}\"). The key is shown once; store it now:")
        print(secret)
        return 0
    if args.keys_command == "revoke":
        if not access.revoke(args.key_id):
            print(f"papers: error: no active key with id '{args.key_id}'", file=sys.stderr)
            return 1
        print(f"Revoked {args.key_id}")
        return 0
    keys = access.keys()
    if args.json:
        print(json.dumps({"keys": [key_json(k) for k in keys]}, indent=2))
        return 0
    for k in keys:
        state = f"revoked {k.revoked_at}" if k.revoked_at else "active"
        print(f"{k.id}  {k.role:8} {state:28} created {k.created_at}  {k.name}")
    print(f"{len(keys)} keys")
    return 0


def cmd_audit(args) -> int:
    entries = _service().access.audit(args.limit)
    if args.json:
        print(json.dumps({"entries": entries}, indent=2, ensure_ascii=False))
        return 0
    for e in entries:
        who = f"{e['key_name']} ({e['role']})"
        print(f"{e['at']}  {who:30} {e['method']:6} {e['endpoint']:24} {e['status']}  docs={len(e['documents'])}  {(e['query'] or '')[:60]}")
    return 0


def cmd_reclassify(args) -> int:
    from core.types import Classification

    doc = _service().reclassify(args.document_id, Classification(args.classification))
    print(f"{doc.id} {doc.source}: now {doc.classification.value}")
    return 0


def cmd_warm(args) -> int:
    """Build what the model needs before first use (the backend's ONNX export for questions, and
    for onnx-int8 passages), so the first ingest or question does not pay for it."""
    service = _service()
    print(f"model ready ({service.warm()}) in {service.settings.models_path}")
    return 0


def cmd_serve(args) -> int:
    from api.app import create_app
    from api.server import serve

    api = get_settings().api
    serve(
        create_app(), args.host or api.host, args.port or api.port,
        keep_alive=api.keep_alive_seconds, header_timeout=api.header_timeout_seconds,
    )
    return 0


def cmd_mcp(args) -> int:
    """Serve the MCP tools over stdio (for a desktop assistant), with PAPERS_MCP__API_KEY's role."""
    from api.mcp_server import run_stdio
    from core.errors import AccessDenied

    try:
        run_stdio(_service())
    except AccessDenied as exc:
        print(f"papers mcp: error: PAPERS_MCP__API_KEY: {exc}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="papers", description="Committee Papers Assistant")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sync", help="fetch papers from a council's ModernGov site (no arguments: every configured site)")
    p.add_argument("kind", nargs="?", choices=["moderngov"], help="the kind of site")
    p.add_argument("url", nargs="?", help="the site's address, e.g. https://democracy.kent.gov.uk")
    p.add_argument("--committee", action="append", help="a committee's title or id (repeatable; default: every current one)")
    p.add_argument("--from", dest="date_from", type=_iso, help="meetings on or after (YYYY-MM-DD; default a year ago)")
    p.add_argument("--to", dest="date_to", type=_iso, help="meetings on or before (YYYY-MM-DD; default in two months)")
    p.add_argument("--body", help='the council whose site it is, e.g. "Kent County Council" (each paper\'s body; remembered with the site)')
    p.add_argument("-q", "--quiet", action="store_true", help="no progress")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("ingest", help="ingest files or folders of committee papers")
    p.add_argument("paths", nargs="+", help="files or folders (PDF, DOCX, HTML, Markdown, text)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.add_argument("--if-empty", action="store_true", help="only ingest if the store holds no documents")
    p.add_argument(
        "--allow-declassify",
        action="store_true",
        help="let a sidecar lower a paper's own marking (e.g. an exempt paper made public); refused otherwise",
    )
    p.set_defaults(func=cmd_ingest)

    for name, func, arg, help_text in [
        ("ask", cmd_ask, "question", "answer a question with cited passages"),
        ("search", cmd_search, "query", "list the passages that best match"),
    ]:
        p = sub.add_parser(name, help=help_text)
        p.add_argument(arg)
        p.add_argument("-k", type=int, default=None, help="number of passages")
        p.add_argument("--committee", help="committee name or acronym")
        p.add_argument("--date-from", type=_iso, help="meetings on or after YYYY-MM-DD")
        p.add_argument("--date-to", type=_iso, help="meetings on or before YYYY-MM-DD")
        p.add_argument("--json", action="store_true", help="print the API's JSON")
        if name == "ask":
            p.add_argument("--as-of", type=_iso, help="judge 'overdue' on this date (YYYY-MM-DD); default today")
        p.set_defaults(func=func)

    p = sub.add_parser("actions", help="list action records (owners, due dates, status)")
    p.add_argument("--committee", help="committee name, acronym or alias")
    p.add_argument("--overdue", action="store_true", help="only overdue actions")
    p.add_argument("--owner", help="owner name or job title, loosely matched")
    p.add_argument("--status", choices=[s.value for s in ActionStatus], help="only actions with this status")
    p.add_argument("--due-from", type=_iso, help="due on or after YYYY-MM-DD")
    p.add_argument("--due-to", type=_iso, help="due on or before YYYY-MM-DD")
    p.add_argument("-q", help="words the action should contain")
    p.add_argument("--as-of", type=_iso, help="judge 'overdue' on this date (YYYY-MM-DD); default today")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(func=cmd_actions)

    p = sub.add_parser("decisions", help="list recommendation and decision records, or follow one's chain (--id)")
    p.add_argument("--id", help="one record's id: show the chain of its matter")
    p.add_argument("--body", help="the body it went to or was taken by (committee name, acronym or alias)")
    p.add_argument("--kind", choices=["recommendation", "resolution", "decision", "noted", "deferred", "called_in", "referred"])
    p.add_argument("--reference", help="a decision number (24/00093) or minute number")
    p.add_argument("--date-from", type=_iso, help="meetings on or after YYYY-MM-DD")
    p.add_argument("--date-to", type=_iso, help="meetings on or before YYYY-MM-DD")
    p.add_argument("-q", help="words the record, its item or its paper should contain")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(func=cmd_decisions)

    p = sub.add_parser("documents", help="list ingested documents")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("keys", help="manage API keys (create, list, revoke)")
    keys = p.add_subparsers(dest="keys_command", required=True)
    k = keys.add_parser("create", help="create a key; it is printed once")
    k.add_argument("--role", required=True, choices=["public", "member", "officer", "admin"])
    k.add_argument("--name", required=True, help='who or what uses it, e.g. "intranet bot"')
    k = keys.add_parser("list", help="list keys (never their secrets)")
    k.add_argument("--json", action="store_true")
    k = keys.add_parser("revoke", help="revoke a key by id")
    k.add_argument("key_id")
    p.set_defaults(func=cmd_keys)

    p = sub.add_parser("alerts", help="every caller's alerts: list, remove one, deliver what is new")
    alerts = p.add_subparsers(dest="alerts_command", required=True)
    alerts.add_parser("list", help="list every alert, with its owner")
    a = alerts.add_parser("remove", help="remove an alert by id")
    a.add_argument("alert_id")
    alerts.add_parser("deliver", help="deliver what is new to every alert now")
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser("audit", help="show the newest audit log entries")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("reclassify", help="set a document's classification")
    p.add_argument("document_id")
    p.add_argument("classification", choices=["public", "restricted", "exempt"])
    p.set_defaults(func=cmd_reclassify)

    p = sub.add_parser("warm", help="prepare the embedding model (run once by make install)")
    p.set_defaults(func=cmd_warm)

    p = sub.add_parser("mcp", help="serve the papers as MCP tools over stdio (key: PAPERS_MCP__API_KEY; none: public)")
    p.set_defaults(func=cmd_mcp)

    p = sub.add_parser("serve", help="serve the API, the chat page and the MCP tools at /mcp")
    p.add_argument("--host", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 8000)")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    import os

    # Never reach for a model hub, never send telemetry, however `papers` is started (a desktop
    # assistant starting `papers mcp` passes only the environment its configuration names).
    for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("ANONYMIZED_TELEMETRY", "False")):
        os.environ.setdefault(name, value)
    args = build_parser().parse_args(argv)
    if getattr(args, "k", None) is not None and not 1 <= args.k <= 50:
        print("papers: error: -k must be between 1 and 50", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # one clear line, never a traceback
        from core.errors import ConfigError, IngestBusy, NotFoundError, StoreUnavailable

        if isinstance(exc, (NotFoundError, StoreUnavailable, ConfigError, IngestBusy)):
            print(f"papers: error: {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
