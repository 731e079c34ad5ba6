"""The papers as tools for agents, driven by real clients: the `mcp` SDK's own client over
streamable HTTP (against a real `papers serve`) and over stdio (`papers mcp` as a subprocess),
`langchain-mcp-adapters` loading the tools into LangChain, and `PapersRetriever` in both modes.
The store holds the real corpus plus a planted restricted action log and an exempt report: a
public caller, a member and an officer must each see exactly what the REST API shows them."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import time
import urllib.error
import urllib.request
from contextlib import asynccontextmanager
from types import SimpleNamespace

import pytest
from conftest import EXAMPLES, KENT, ROOT, SEEDS, make_service
from servers import papers_env, run_cli, serving
from test_leaks import EXEMPT_REPORT, RESTRICTED_LOG

TOOLS = {"search_papers", "ask", "list_actions", "list_decisions", "get_decision", "get_document", "list_committees", "list_documents"}
SECRET = "Okonkwo-Hart"  # only in the exempt report (the questions name the quarry, not this)
AS_OF = "2025-03-01"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`papers serve` over the real corpus, the examples and two planted protected papers, with
    keys for a member, an officer and a revoked one; plus a copy of the home for in-process and
    stdio use (two processes never open one embedded store)."""
    home = tmp_path_factory.mktemp("mcp-home")
    planted = tmp_path_factory.mktemp("mcp-planted")
    (planted / "planted-restricted.txt").write_text(RESTRICTED_LOG, encoding="utf-8")
    (planted / "planted-exempt.txt").write_text(EXEMPT_REPORT, encoding="utf-8")
    env = papers_env(home)
    done = run_cli(["ingest", "-q", str(SEEDS), str(KENT), str(EXAMPLES), str(planted)], env)
    assert done.returncode == 0 and "failed" not in done.stdout, done.stdout + done.stderr[-2000:]
    access = make_service(home).access
    keys = {role: access.create_key(role, f"mcp {role}")[1] for role in ("member", "officer")}
    revoked, keys["revoked"] = access.create_key("officer", "mcp revoked")
    access.revoke(revoked.id)
    service = make_service(home)
    exempt = next(d.id for d in service.documents() if d.source == "planted-exempt.txt")
    restricted = next(d.id for d in service.documents() if d.source == "planted-restricted.txt")
    copy = tmp_path_factory.mktemp("mcp-copy") / "home"
    shutil.copytree(home, copy)
    with serving(home, env) as running:
        yield SimpleNamespace(url=running.url, port=running.port, home=home, copy=copy, keys=keys, exempt=exempt, restricted=restricted, log=running.log)


def _headers(key: str | None) -> dict:
    return {"Authorization": f"Bearer {key}"} if key else {}


@asynccontextmanager
async def _http_session(served, key: str | None = None, headers: dict | None = None):
    import httpx
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    headers = headers if headers is not None else _headers(key)
    async with httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(120, read=300)) as http:
        async with streamable_http_client(served.url + "/mcp", http_client=http) as (r, w, _):
            async with ClientSession(r, w) as session:
                await session.initialize()
                yield session


def _calls(served, key, calls: list[tuple[str, dict]]):
    """Each (tool, arguments) called in one HTTP session: their results, in order."""

    async def go():
        async with _http_session(served, key) as session:
            return [await session.call_tool(name, args) for name, args in calls]

    return asyncio.run(go())


def _rest(served, path: str, key: str | None = None, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(served.url + path, data=data, headers={**_headers(key), "content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def _text_of(result) -> str:
    return " ".join(c.text for c in result.content if getattr(c, "text", None))


# --- the tools and their schemas ----------------------------------------------------------------------


def test_tools_are_listed_with_descriptions_and_typed_schemas(served):
    async def go():
        async with _http_session(served) as session:
            return (await session.list_tools()).tools, (await session.list_resource_templates()).resourceTemplates

    tools, templates = asyncio.run(go())
    by_name = {t.name: t for t in tools}
    assert set(by_name) == TOOLS
    for tool in tools:
        assert len(tool.description) > 60, tool.name
        assert tool.inputSchema["type"] == "object"
        for name, prop in tool.inputSchema.get("properties", {}).items():
            assert prop.get("description"), f"{tool.name}.{name} has no description"
    search = by_name["search_papers"].inputSchema
    assert search["required"] == ["query"]
    assert search["properties"]["k"]["maximum"] == 50 and search["properties"]["k"]["minimum"] == 1
    assert by_name["ask"].inputSchema["required"] == ["question"]
    assert set(by_name["list_actions"].inputSchema["properties"]) >= {"committee", "owner", "status", "overdue", "as_of"}
    status = json.dumps(by_name["list_actions"].inputSchema)
    assert all(s in status for s in ("open", "responded", "complete", "ongoing"))
    assert [t.uriTemplate for t in templates] == ["papers://documents/{document_id}/pages/{page}"]


def test_every_tool_answers_with_what_the_rest_api_returns(served):
    key = served.keys["member"]
    docs = _rest(served, "/documents", key)
    hit = next(p for p in _rest(served, "/search?q=family+hubs+decision&k=10", key)["results"] if (p["page"] or 0) >= 2)
    paged = {"id": hit["document_id"], "page": hit["page"]}
    results = _calls(served, key, [
        ("search_papers", {"query": "family hubs decision", "k": 4}),
        ("ask", {"question": "What is the homelessness prevention grant allocation?"}),
        ("list_actions", {"overdue": True, "as_of": AS_OF}),
        ("get_document", {"document_id": paged["id"], "page": paged["page"]}),
        ("list_committees", {}),
        ("list_documents", {"limit": 1000}),
    ])
    assert not any(r.isError for r in results), [_text_of(r) for r in results if r.isError]
    search, ask, actions, document, committees, documents = (r.structuredContent for r in results)

    assert search == _rest(served, "/search?q=family+hubs+decision&k=4", key)
    assert all({"document_id", "committee", "meeting_date", "page", "source_url", "text"} <= set(p) for p in search["results"])
    rest_answer = _rest(served, "/ask", key, {"question": "What is the homelessness prevention grant allocation?"})
    assert ask["answer"] == rest_answer["answer"] and ask["citations"] == rest_answer["citations"]
    assert ask["mode"] == "extractive" and "[1]" in ask["answer"] and "conversation_id" not in ask
    assert actions == _rest(served, f"/actions?overdue=true&as_of={AS_OF}&limit=50", key)
    assert actions["total"] > 0 and all(a["overdue"] for a in actions["actions"])
    assert document["document"] == _rest(served, f"/documents/{paged['id']}", key)
    assert document["page"]["page"] == paged["page"] and document["page"]["passages"]
    assert hit["text"] in [p["text"] for p in document["page"]["passages"]]  # the cited passage is on its page
    assert "path" not in document["document"]  # never a server path
    assert committees == _rest(served, "/committees", key)
    assert documents["total"] == docs["total"] and documents["documents"] == docs["documents"]
    # The text content is the same JSON, for clients that read only text.
    assert json.loads(_text_of(results[0])) == search


def test_the_page_resource_gives_a_page_passage_by_passage(served):
    key = served.keys["member"]
    hit = _rest(served, "/search?q=revenue+budget+monitoring&k=1", key)["results"][0]
    doc = {"id": hit["document_id"]}

    async def go():
        async with _http_session(served, key) as session:
            good = await session.read_resource(f"papers://documents/{doc['id']}/pages/{hit['page']}")
            try:
                await session.read_resource(f"papers://documents/{doc['id']}/pages/0")
                bad = None
            except Exception as exc:  # McpError: the error reply
                bad = str(exc)
            return good, bad

    good, bad = asyncio.run(go())
    page = json.loads(good.contents[0].text)
    assert page["document_id"] == doc["id"] and page["page"] == hit["page"]
    assert hit["text"] in [p["text"] for p in page["passages"]]
    assert bad is not None and "page" in bad


def test_the_page_resource_hides_a_paper_above_the_clearance_as_if_absent(served):
    async def read(key, document_id):
        async with _http_session(served, key) as session:
            try:
                await session.read_resource(f"papers://documents/{document_id}/pages/1")
            except Exception as exc:
                return str(exc)
        return "read"

    public = asyncio.run(read(None, served.exempt))
    missing = asyncio.run(read(None, "0000000000000000"))
    officer = asyncio.run(read(served.keys["officer"], served.exempt))
    assert public.replace(served.exempt, "X") == missing.replace("0000000000000000", "X") and "no document with id" in public
    assert "no page 1" in officer  # the officer may see it: it is a text paper, with no pages


# --- clearance ---------------------------------------------------------------------------------------


def test_a_public_caller_member_and_officer_see_what_their_role_allows(served):
    calls = [
        ("search_papers", {"query": "Brackenridge quarry acquisition purchase", "k": 10}),
        ("ask", {"question": "What did Cabinet decide about the Brackenridge quarry acquisition?"}),
        ("list_actions", {"q": "taxi licensing fees"}),
        ("list_documents", {"limit": 1000}),
        ("get_document", {"document_id": served.exempt}),
        ("list_committees", {}),
    ]
    seen = {}
    for role, key in (("public", None), ("member", served.keys["member"]), ("officer", served.keys["officer"])):
        seen[role] = _calls(served, key, calls)

    def ids(result):
        return {p["document_id"] for p in result.structuredContent["results"]}

    public, member, officer = seen["public"], seen["member"], seen["officer"]
    assert served.exempt not in ids(public[0]) and served.exempt not in ids(member[0])
    assert served.exempt in ids(officer[0])
    for r in (public[1], member[1]):
        assert SECRET not in json.dumps(r.structuredContent)
    assert SECRET in json.dumps(officer[1].structuredContent)
    assert public[2].structuredContent["total"] == 0
    assert member[2].structuredContent["total"] >= 1  # the restricted log's actions
    listed = {role: {d["id"] for d in seen[role][3].structuredContent["documents"]} for role in seen}
    assert served.exempt not in listed["public"] | listed["member"] and served.restricted not in listed["public"]
    assert {served.exempt, served.restricted} <= listed["officer"] and served.restricted in listed["member"]
    assert seen["public"][3].structuredContent["total"] == len(listed["public"]) < len(listed["officer"])
    # A paper above the caller's clearance is reported exactly as one that does not exist.
    assert public[4].isError and member[4].isError and not officer[4].isError
    missing = _calls(served, None, [("get_document", {"document_id": "0000000000000000"})])[0]
    assert _text_of(public[4]).replace(served.exempt, "X") == _text_of(missing).replace("0000000000000000", "X")
    # Each role's views equal the REST API's for the same key.
    for role, key in (("public", None), ("officer", served.keys["officer"])):
        assert seen[role][5].structuredContent == _rest(served, "/committees", key)
        rest = _rest(served, "/search?q=Brackenridge+quarry+acquisition+purchase&k=10", key)
        assert seen[role][0].structuredContent == rest


def test_a_bad_key_is_refused_before_any_tool_runs_and_is_audited(served):
    async def attempt(headers):
        try:
            async with _http_session(served, headers=headers) as session:
                await session.list_tools()
                return "served"
        except BaseException as exc:  # the client raises inside its task group
            return repr(exc)

    for headers in (
        {"Authorization": "Bearer not-a-key"},
        {"Authorization": f"Bearer {served.keys['revoked']}"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": served.keys["member"], "Authorization": f"Bearer {served.keys['officer']}"},
    ):
        assert asyncio.run(attempt(headers)) != "served", headers
    raw = urllib.request.Request(served.url + "/mcp", data=b"{}", headers={"Authorization": "Bearer not-a-key", "content-type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(raw, timeout=10)
    assert refused.value.code == 401 and refused.value.headers["WWW-Authenticate"] == "Bearer"
    assert "invalid or revoked" in json.loads(refused.value.read())["detail"]
    audit = make_service(served.home).access.audit(500)
    assert any(e["endpoint"] == "/mcp" and e["status"] == 401 and e["role"] == "none" for e in audit)


def test_with_anonymous_access_off_a_call_without_a_key_is_refused(tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app

    service = make_service(tmp_path / "home", access={"anonymous": False})
    with TestClient(create_app(service)) as client:
        body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
        headers = {"accept": "application/json, text/event-stream"}
        refused = client.post("/mcp", json=body, headers=headers)
        assert refused.status_code == 401 and "API key is required" in refused.json()["detail"]
        _, key = service.access.create_key("member", "member")
        served = client.post("/mcp", json=body, headers={**headers, "Authorization": f"Bearer {key}"})
        assert served.status_code == 200 and served.json()["result"]["serverInfo"]["name"] == "committee-papers"


def test_tool_calls_are_audited_with_the_callers_role_and_documents(served):
    _calls(served, served.keys["officer"], [("search_papers", {"query": "Brackenridge quarry audit probe", "k": 3})])
    entry = next(e for e in make_service(served.home).access.audit(500) if e["query"] == "Brackenridge quarry audit probe")
    assert entry["method"] == "MCP" and entry["endpoint"] == "/mcp/search_papers"
    assert entry["role"] == "officer" and entry["key_name"] == "mcp officer" and entry["status"] == 200
    assert served.exempt in entry["documents"]


# --- hostile and careless arguments ------------------------------------------------------------------


def test_bad_arguments_get_a_clear_tool_error_and_the_server_carries_on(served):
    results = _calls(served, None, [
        ("search_papers", {"query": "budget", "k": 99}),
        ("search_papers", {"query": ""}),
        ("search_papers", {"query": "x" * 5000}),
        ("search_papers", {"query": "budget", "date_from": "2025-03-01", "date_to": "2025-01-01"}),
        ("search_papers", {"query": "budget", "date_from": "31/12/2024"}),
        ("ask", {}),
        ("list_actions", {"status": "finished"}),
        ("list_actions", {"limit": 0}),
        ("get_document", {"document_id": "../../etc/passwd", "page": 1}),
        ("get_document", {"document_id": "x", "page": -3}),
        ("search_papers", {"query": "council tax\x00' OR 1=1 --", "committee": "Robert'); DROP TABLE documents;--"}),
        ("search_papers", {"query": "budget", "k": 3}),
    ])
    errors = [_text_of(r) for r in results[:10]]
    assert all(r.isError for r in results[:10]), errors
    for text, field in zip(errors, ["k", "query", "query", "date_from", "date_from", "question", "status", "limit", "../../etc/passwd", "page"]):
        assert field in text, text
        assert "Traceback" not in text and str(ROOT) not in text and "/tmp" not in text
    assert not results[10].isError  # odd text is text, not a query language
    assert not results[11].isError and len(results[11].structuredContent["results"]) == 3
    with urllib.request.urlopen(served.url + "/health", timeout=10) as r:
        assert json.loads(r.read())["status"] == "ok"


def test_no_event_stream_is_held_open_for_anyone(served):
    # A GET would open a server-sent event stream that a stateless server never writes to: each
    # one held open would tie up a connection. It is refused at once, as the protocol allows.
    for method in ("GET", "DELETE", "PUT"):
        req = urllib.request.Request(served.url + "/mcp", method=method, headers={"accept": "text/event-stream"})
        started = time.monotonic()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=10)
        assert refused.value.code == 405 and refused.value.headers["Allow"] == "POST", method
        assert time.monotonic() - started < 5


def test_a_huge_request_body_is_refused_at_the_limit(served):
    import socket

    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as s:
        s.sendall(
            b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Accept: application/json, text/event-stream\r\nContent-Length: 2000000\r\n\r\n" + b"{" * 65536
        )
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]


# --- stdio --------------------------------------------------------------------------------------------


def _stdio(served, key: str | None, calls: list[tuple[str, dict]]):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    # Only what a desktop assistant's configuration names (the SDK adds HOME, PATH and the like):
    # no HF_HUB_OFFLINE, so `papers` must keep itself offline.
    env = {"PAPERS_HOME": str(served.copy), **({"PAPERS_MCP__API_KEY": key} if key else {})}
    params = StdioServerParameters(command=sys.executable, args=["-m", "api.cli", "mcp"], env=env, cwd=str(ROOT))

    async def go():
        async with stdio_client(params) as (r, w):
            async with ClientSession(r, w) as session:
                await session.initialize()
                names = {t.name for t in (await session.list_tools()).tools}
                return names, [await session.call_tool(name, args) for name, args in calls]

    return asyncio.run(go())


def test_stdio_serves_the_tools_with_the_configured_keys_role(served):
    calls = [("search_papers", {"query": "Brackenridge quarry acquisition purchase", "k": 10}), ("list_actions", {"q": "taxi licensing fees"})]
    names, officer = _stdio(served, served.keys["officer"], calls)
    assert names == TOOLS
    _, public = _stdio(served, None, calls)
    assert served.exempt in {p["document_id"] for p in officer[0].structuredContent["results"]}
    assert served.exempt not in {p["document_id"] for p in public[0].structuredContent["results"]}
    assert officer[1].structuredContent["total"] >= 1 and public[1].structuredContent["total"] == 0
    audit = make_service(served.copy).access.audit(50)
    assert any(e["method"] == "MCP" and e["role"] == "officer" for e in audit)


def test_stdio_with_a_bad_key_stops_at_once_saying_why(served):
    env = {**papers_env(served.copy), "PAPERS_MCP__API_KEY": served.keys["revoked"]}
    done = run_cli(["mcp"], env)
    assert done.returncode == 1
    assert "PAPERS_MCP__API_KEY" in done.stderr and "invalid or revoked" in done.stderr and "Traceback" not in done.stderr


# --- LangChain ------------------------------------------------------------------------------------------


def test_langchain_mcp_adapters_load_the_tools_and_call_them_with_the_callers_key(served):
    from langchain_mcp_adapters.client import MultiServerMCPClient

    def client(key):
        return MultiServerMCPClient({"papers": {"transport": "streamable_http", "url": served.url + "/mcp", "headers": _headers(key)}})

    async def go(key):
        tools = {t.name: t for t in await client(key).get_tools()}
        found = await tools["search_papers"].ainvoke({"query": "Brackenridge quarry acquisition purchase", "k": 10})
        refused = await tools["get_document"].ainvoke({"document_id": served.exempt})
        return set(tools), tools["search_papers"].args_schema, found, refused

    names, schema, officer_found, officer_doc = asyncio.run(go(served.keys["officer"]))
    _, _, public_found, public_doc = asyncio.run(go(None))
    assert names == TOOLS and "query" in json.dumps(schema)
    assert served.exempt in json.dumps(officer_found) and served.exempt not in json.dumps(public_found)
    assert "Brackenridge" in json.dumps(officer_doc)
    assert "no document with id" in json.dumps(public_doc)  # a tool error, handed to the agent as text


def test_the_retriever_in_process_and_remote_agree_with_filters_and_clearance(served):
    from api.langchain_retriever import PapersRetriever, PapersRetrieverError

    service = make_service(served.copy)
    query = "family hubs decision call-in"
    for key in (None, served.keys["officer"]):
        for filters in ({}, {"committee": "Cabinet"}, {"date_from": "2025-01-01", "date_to": "2025-03-31"}):
            remote = PapersRetriever(url=served.url, api_key=key, k=6, **filters).invoke(query)
            local = PapersRetriever.in_process(service, api_key=key, k=6, **filters).invoke(query)
            assert [d.metadata["document_id"] for d in remote] == [d.metadata["document_id"] for d in local], filters
            assert [d.page_content for d in remote] == [d.page_content for d in local]
            assert remote and all(d.metadata["citation"] for d in remote)
            if "committee" in filters:
                assert all(d.metadata["committee"] == "Cabinet" for d in remote)
            if "date_from" in filters:
                assert all("2025-01-01" <= d.metadata["meeting_date"] <= "2025-03-31" for d in remote)
    secret = "Brackenridge quarry acquisition purchase"
    for make in (lambda **kw: PapersRetriever(url=served.url, **kw), lambda **kw: PapersRetriever.in_process(service, **kw)):
        assert served.exempt in {d.metadata["document_id"] for d in make(api_key=served.keys["officer"], k=10).invoke(secret)}
        assert served.exempt not in {d.metadata["document_id"] for d in make(k=10).invoke(secret)}
        assert served.exempt not in {d.metadata["document_id"] for d in asyncio.run(make(api_key=served.keys["member"], k=10).ainvoke(secret))}
        with pytest.raises(PapersRetrieverError, match="invalid or revoked"):
            make(api_key=served.keys["revoked"]).invoke(secret)
        with pytest.raises(PapersRetrieverError, match="1000 characters"):
            make().invoke("x" * 5000)


def test_the_retriever_refuses_a_muddled_configuration():
    from pydantic import ValidationError

    from api.langchain_retriever import PapersRetriever, PapersRetrieverError

    with pytest.raises(ValidationError, match="exactly one"):
        PapersRetriever()
    with pytest.raises(ValidationError, match="url"):
        PapersRetriever(url="file:///etc/passwd")
    with pytest.raises(ValidationError, match="date_from"):
        PapersRetriever(url="http://127.0.0.1:9", date_from="2025-02-01", date_to="2025-01-01")
    with pytest.raises(ValidationError):
        PapersRetriever(url="http://127.0.0.1:9", k=0)
    with pytest.raises(PapersRetrieverError, match="did not answer"):
        PapersRetriever(url="http://127.0.0.1:9", timeout=2).invoke("budget")


def test_the_decision_tools_answer_as_the_rest_api_and_refuse_bad_arguments(served):
    key = served.keys["member"]
    listed = _calls(served, key, [("list_decisions", {"reference": "24/00093", "limit": 5})])[0]
    assert not listed.isError, _text_of(listed)
    assert listed.structuredContent == _rest(served, "/decisions?reference=24/00093&limit=5", key)
    assert listed.structuredContent["total"] >= 1
    first = listed.structuredContent["decisions"][0]["id"]
    results = _calls(served, key, [
        ("get_decision", {"decision_id": first}),
        ("get_decision", {"decision_id": "0" * 20}),
        ("get_decision", {"decision_id": "../../etc/passwd"}),
        ("list_decisions", {"kind": "overruled"}),
        ("list_decisions", {"date_from": "2025-03-01", "date_to": "2025-01-01"}),
    ])
    assert not results[0].isError and results[0].structuredContent == _rest(served, f"/decisions/{first}", key)
    assert all(r.isError for r in results[1:]), [_text_of(r) for r in results[1:]]
    for r, field in zip(results[1:], ["not found", "decision_id", "kind", "date_from"]):
        assert field in _text_of(r) and "Traceback" not in _text_of(r)
