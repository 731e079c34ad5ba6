"""The chat page, used as a person would: `papers serve` on loopback over real papers, driven by
headless Chromium (the Debian `chromium` package, through Python playwright).

Screenshots of the key states go to test-artifacts/screenshots/. A missing browser is a failure,
not a skip: `make test` installs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import EXAMPLES, KENT, ROOT, make_service, seed
from servers import papers_env, run_cli, serving

CHROMIUM = Path(os.environ.get("PAPERS_CHROMIUM", "/usr/bin/chromium"))
SHOTS = ROOT / "test-artifacts" / "screenshots"
AS_OF = "2025-03-01"  # overdue is judged on this day, so the page shows the same actions every run
KENT_PDF = KENT / "24-00108 - Revenue and Capital Budget Monitoring Report November 2024-25.pdf"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`papers serve` on a free port over the examples, three real seed papers (the HASSC action
    log, the Tower Hamlets board pack, the Croydon report) and a Kent PDF, ingested by `papers
    ingest` into a fresh PAPERS_HOME; plus an admin key for the upload test."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the end-to-end tests need Debian's chromium "
            "(`make test` installs it: apt-get install -y --no-install-recommends chromium)",
            pytrace=False,
        )
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.fail("python playwright is not installed (`make test` installs the dev extras)", pytrace=False)

    home = tmp_path_factory.mktemp("e2e-home")
    env = papers_env(home)
    done = run_cli(["ingest", "-q", str(EXAMPLES), str(seed("000")), str(seed("003")), str(seed("004")), str(KENT_PDF)], env)
    assert done.returncode == 0 and "failed" not in done.stdout, done.stdout + done.stderr[-2000:]
    _, admin_key = make_service(home).access.create_key("admin", "e2e admin")
    with serving(home, env) as running:
        yield SimpleNamespace(url=running.url, admin_key=admin_key, home=home)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--lang=en-GB"])
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser tab (its own session storage), in a UK locale, at laptop size. Playwright's
    waits evaluate strings, which the page's policy forbids: these tabs bypass it, and
    test_the_page_runs_under_its_own_policy uses the page under it."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, locale="en-GB", timezone_id="Europe/London", bypass_csp=True
    )
    context.set_default_timeout(30_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.errors = errors
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def open_chat(page, server, width: int | None = None):
    if width:
        page.set_viewport_size({"width": width, "height": 760})
    page.goto(f"{server.url}/?as_of={AS_OF}")
    page.wait_for_selector("#committee-chips .chip[data-committee='Cabinet']")


def ask(page, question: str):
    """Type a question and press Enter, as a person would; returns the finished answer."""
    page.locator("#question").click()
    page.keyboard.type(question)
    before = page.locator(".reply.done, .reply.error").count()
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('.reply.done, .reply.error').length > {before}")
    reply = page.locator(".reply").last
    assert "error" not in (reply.get_attribute("class") or ""), reply.inner_text()
    return reply


# --- asking ---------------------------------------------------------------------------------------


def test_streamed_answer_with_citations_opens_the_source_panel(page, server):
    open_chat(page, server)
    shot(page, "01-empty-state")
    # Record every text the answer shows while it arrives, to see it render progressively.
    page.evaluate(
        """() => { window.seen = []; new MutationObserver(() => {
             const p = document.querySelector('.reply:last-child .answer-text');
             if (p && window.seen[window.seen.length - 1] !== p.textContent) window.seen.push(p.textContent);
           }).observe(document.getElementById('messages'), {subtree: true, childList: true, characterData: true}); }"""
    )
    with page.expect_response("**/ask/stream") as streamed:
        reply = ask(page, "What did the Planning Committee decide about Land at Mill Lane?")
    response = streamed.value
    assert response.headers["content-type"].startswith("text/event-stream")
    body = response.text()
    assert body.index("event: meta") < body.index("event: citations") < body.index("event: delta") < body.index("event: done")
    assert body.count("event: delta") >= 2
    seen = page.evaluate("window.seen")
    assert len([s for s in seen if s]) >= 2, f"the answer appeared at once, not progressively: {seen}"

    answer = reply.locator(".answer-text")
    assert "Mill Lane" in answer.inner_text()
    markers = answer.locator("a.cite")
    assert markers.count() >= 1 and markers.first.inner_text() == "[1]"
    assert reply.locator(".sources .source").count() >= 1
    shot(page, "02-streamed-answer")

    # Keyboard: focus the marker, Enter opens the panel, Escape closes it and returns focus.
    markers.first.focus()
    page.keyboard.press("Enter")
    panel = page.locator("#citation-panel")
    panel.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "panel-heading"
    assert page.locator("#panel-heading").inner_text() == "Source [1]"
    text = panel.inner_text()
    assert "Planning Committee" in text and "Meeting date" in text and "12 Feb 2025" in text
    page.wait_for_function("document.getElementById('panel-classification').textContent === 'Public'")
    # The answer says which application ("4. 24/01234/FUL – Land at Mill Lane, Easterby: RESOLVED
    # ..."); the panel gives the passage's section and highlights the sentence quoted from it.
    assert "Mill Lane" in panel.locator("dt:text('Section') + dd").inner_text()
    highlighted = panel.locator("mark")
    assert highlighted.count() >= 1 and "RESOLVED" in " ".join(highlighted.all_inner_texts())
    link = panel.locator("a.file-link")
    page_number = panel.locator("dt:text('Page') + dd").inner_text()
    assert page_number.isdigit()
    href = link.get_attribute("href")
    assert href.endswith(f"/file#page={page_number}") and link.inner_text() == f"Open the paper at page {page_number}"
    pdf = page.request.get(server.url + href.split("#")[0])
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    shot(page, "03-citation-panel")
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('cite')")


def test_alert_me_about_an_answer_saves_a_search_with_a_feed(page, server):
    open_chat(page, server)
    reply = ask(page, "What did the Planning Committee decide about Land at Mill Lane?")
    reply.locator("button.alert-button").click()
    feed = reply.locator(".alert-status a.alert-feed")
    feed.wait_for(state="visible")
    assert "Alert saved" in reply.locator(".alert-status").inner_text()
    atom = page.request.get(feed.get_attribute("href"))
    assert atom.status == 200 and atom.headers["content-type"].startswith("application/atom+xml")
    assert "Land at Mill Lane" in atom.text()
    assert reply.locator("button.alert-button").is_disabled()


def test_committee_chip_restricts_the_answer(page, server):
    open_chat(page, server)
    question = "What was said about the draft Carers Strategy?"
    unfiltered = ask(page, question)
    committees = set(unfiltered.locator(".source-meta").all_inner_texts())
    assert any("Cabinet" not in c for c in committees), committees  # other committees answer too
    page.locator("#committee-chips .chip[data-committee='Cabinet']").click()
    assert page.locator("#committee-chips .chip[data-committee='Cabinet']").get_attribute("aria-pressed") == "true"
    filtered = ask(page, question)
    metas = filtered.locator(".source-meta").all_inner_texts()
    assert metas and all(m.startswith("Cabinet") for m in metas), metas
    assert page.locator(".question-msg").last.inner_text().endswith("Searching Cabinet")
    filtered.scroll_into_view_if_needed()
    shot(page, "04-committee-chip")


def test_date_chip_sets_a_meeting_date_range(page, server):
    open_chat(page, server)
    page.locator("#dates-chip").click()
    page.locator("#date-from").fill("2025-01-01")
    page.locator("#date-to").fill("2025-01-31")
    page.locator("#dates-apply").click()
    assert page.locator("#dates-chip").inner_text() == "1 Jan 2025 – 31 Jan 2025"
    reply = ask(page, "What was said about the draft Carers Strategy?")
    metas = reply.locator(".source-meta").all_inner_texts()
    assert metas and all("Jan 2025" in m for m in metas), metas
    page.locator("#dates-clear").click()
    assert page.locator("#dates-chip").inner_text() == "Any meeting date"


def test_follow_up_is_answered_in_context(page, server):
    open_chat(page, server)
    first = ask(page, "Which actions are overdue for HOSC?")
    assert "2 actions" in first.inner_text() and "Tom Okafor-Reid" in first.inner_text()
    follow = ask(page, "and which of those are owned by Tom Okafor-Reid?")
    note = follow.locator(".followup-note").inner_text()
    assert "Which actions for HOSC are overdue and owned by Tom Okafor-Reid?" in note
    text = follow.locator(".answer-text").inner_text()
    assert text.startswith("1 action") and "Carers’ Strategy" in text and "Ingrid Salcombe" not in text
    again = ask(page, "what about HASSC?")
    assert "Which actions for HASSC are overdue and owned by Tom Okafor-Reid?" in again.locator(".followup-note").inner_text()
    follow.scroll_into_view_if_needed()
    shot(page, "05-follow-up")
    page.locator("#new-conversation").click()
    assert page.locator("#empty-state").is_visible() and page.locator(".reply").count() == 0
    fresh = ask(page, "and which of those are owned by Tom Okafor-Reid?")
    assert fresh.locator(".followup-note").count() == 0  # a new conversation has nothing to lean on


def test_nothing_found_and_error_states(page, server):
    open_chat(page, server)
    reply = ask(page, "When will the Sunderland central library reopen after the fire?")
    assert "answer-not_found" in reply.get_attribute("class")
    assert reply.locator(".sources-heading").inner_text() == "Closest passages"
    shot(page, "06-nothing-found")
    # The network fails: the page says so and offers to try again.
    page.route("**/ask/stream", lambda route: route.abort())
    page.locator("#question").fill("What was reported about the budget?")
    page.keyboard.press("Enter")
    error = page.locator(".reply.error").last
    error.wait_for()
    assert "Could not reach the service" in error.inner_text() and error.locator("button", has_text="Try again").is_visible()
    shot(page, "07-error-state")
    page.unroute("**/ask/stream")
    error.locator("button", has_text="Try again").click()
    page.wait_for_selector(".reply.done >> nth=1")


# --- actions and documents ------------------------------------------------------------------------


def test_actions_view_highlights_overdue_actions(page, server):
    page.goto(f"{server.url}/?as_of={AS_OF}#actions")
    page.wait_for_selector(".actions-table")
    assert page.locator("#actions-as-of").input_value() == AS_OF
    page.locator("#actions-committee").select_option(label="Health and Social Care Overview and Scrutiny Committee (HOSC)")
    page.wait_for_function("document.getElementById('actions-summary').textContent.includes('HOSC') || document.querySelector('.actions-table tbody tr abbr')")
    page.wait_for_function(
        "[...document.querySelectorAll('.actions-table tbody tr abbr')].every(a => a.textContent === 'HOSC')"
    )
    rows = page.locator(".actions-table tbody tr")
    overdue = page.locator(".actions-table tbody tr.overdue")
    assert rows.count() == 8 and overdue.count() == 2
    assert "2 overdue" in page.locator("#actions-summary").inner_text()
    first = overdue.first
    assert "Overdue: response awaited" in first.inner_text()
    plain_bg = rows.filter(has_not=page.locator(".badge-overdue")).first.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor")
    overdue_bg = first.locator("td").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert plain_bg != overdue_bg
    source = first.locator("a.file-link")
    assert source.get_attribute("href").endswith("/file#page=1") and source.inner_text() == "Page 1"
    assert "HOSC action log" in source.get_attribute("aria-label")
    shot(page, "08-actions-overdue")

    page.locator("#actions-overdue").check()
    page.wait_for_function("document.querySelectorAll('.actions-table tbody tr').length === 2")
    page.locator("#actions-owner").fill("Tom Okafor-Reid")
    page.locator("#actions-owner").press("Enter")
    page.wait_for_function("document.querySelectorAll('.actions-table tbody tr').length === 1")
    page.locator("#actions-status").select_option("complete")
    page.wait_for_selector(".state-empty")
    assert "No actions match these filters" in page.locator("#actions-body").inner_text()
    shot(page, "09-actions-none-match")
    page.locator("#actions-body button", has_text="Clear filters").click()
    page.wait_for_function("document.querySelectorAll('.actions-table tbody tr').length > 8")


def test_documents_view_and_admin_upload(page, server, tmp_path):
    page.goto(f"{server.url}/#documents")
    page.wait_for_selector(".documents-table")
    listed = page.locator(".documents-table tbody tr").count()
    assert listed == 9
    assert "Scrutiny Action Log" in page.locator(".documents-table").inner_text()
    page.locator("#documents-filter").fill("hosc")
    assert page.locator(".documents-table tbody tr").count() == 1

    paper = tmp_path / "Licensing Committee minutes 3 March 2025.txt"
    paper.write_text(
        "Licensing Committee\nMinutes of the meeting held on 3 March 2025\n\n1. Street trading\n"
        "The committee agreed to extend the Riverside street trading pilot for six months.\n",
        encoding="utf-8",
    )
    page.locator("#upload summary").click()
    page.locator("#upload-files").set_input_files(str(paper))
    page.locator("#upload-button").click()
    refused = page.locator("#upload-result .field-error")
    refused.wait_for()
    assert "admin API key" in refused.inner_text()

    page.locator("#access summary").click()
    page.locator("#api-key").fill(server.admin_key)
    page.locator("#key-form button[type=submit]").click()
    page.wait_for_function("document.getElementById('access-label').textContent.startsWith('Signed in: admin')")
    page.locator("#access summary").click()
    page.locator("#upload-files").set_input_files(str(paper))
    page.locator("#upload-button").click()
    page.wait_for_selector("#upload-result .upload-ok")
    assert "added" in page.locator("#upload-result").inner_text()
    page.locator("#documents-filter").fill("")
    page.wait_for_function(f"document.querySelectorAll('.documents-table tbody tr').length === {listed + 1}")
    shot(page, "10-documents-upload")
    # The key is for this tab only, and forgetting it returns to public access.
    page.locator("#access summary").click()
    page.locator("#key-clear").click()
    assert page.locator("#access-label").inner_text() == "Public access"


def test_the_page_runs_under_its_own_policy(browser, server):
    """Under the real content security policy (no bypass), the page asks, cites, and shows every
    view without a single violation: nothing inline, nothing from elsewhere."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    tab = context.new_page()
    console: list[str] = []
    tab.on("console", lambda m: console.append(m.text))
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.goto(f"{server.url}/?as_of={AS_OF}")
    tab.locator("#committee-chips .chip[data-committee='Cabinet']").wait_for()
    tab.locator("#question").fill("What did the Planning Committee decide about Land at Mill Lane?")
    tab.keyboard.press("Enter")
    tab.locator(".reply.done a.cite").first.click()
    tab.locator("#citation-panel").wait_for(state="visible")
    tab.keyboard.press("Escape")
    for view, ready in (("actions", ".actions-table, .action-card, .state"), ("documents", ".documents-table")):
        tab.locator(f"#nav-{view}").click()
        tab.locator(ready).first.wait_for()
    tab.goto(f"{server.url}/docs")
    tab.locator(".endpoint").first.wait_for()
    violations = [m for m in console if "Content Security Policy" in m or "Refused to" in m]
    context.close()
    assert not violations and not errors, violations + errors


def test_an_uploaded_html_original_never_runs_in_the_page(browser, server, tmp_path):
    """The attack: an HTML paper whose script reads the API key from the tab and makes an admin
    key with it. Opened from the Documents view by a signed-in admin, it must download, never
    render in the app's origin, and no key must be made."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True, bypass_csp=True)
    tab = context.new_page()
    auth = {"Authorization": f"Bearer {server.admin_key}"}
    html = (
        "<html><body><h1>Parks Committee</h1><p>Minutes of the meeting held on 3 March 2025.</p>"
        "<p>The committee agreed to repaint the Mill Lane bandstand before the summer.</p><script>"
        "localStorage.setItem('pwned', '1');"
        "fetch('/keys', {method: 'POST', headers: {'X-API-Key': sessionStorage.getItem('papers.apiKey'),"
        " 'content-type': 'application/json'}, body: JSON.stringify({role: 'admin', name: 'stolen'})});"
        "</script></body></html>"
    )
    uploaded = tab.request.post(
        f"{server.url}/documents", headers=auth,
        multipart={"files": {"name": "Parks minutes.html", "mimeType": "text/html", "buffer": html.encode()}},
    )
    doc_id = uploaded.json()["files"][0]["document_id"]
    assert doc_id, uploaded.text()
    try:
        tab.goto(f"{server.url}/#documents")
        tab.locator("#access summary").click()
        tab.locator("#api-key").fill(server.admin_key)
        tab.locator("#key-form button[type=submit]").click()
        tab.wait_for_function("document.getElementById('access-label').textContent.startsWith('Signed in: admin')")
        link = tab.locator(".documents-table tr", has_text="Parks minutes.html").locator("a.file-link")
        link.wait_for()
        assert link.get_attribute("download") is not None and link.get_attribute("target") is None
        pages_before = len(context.pages)
        with tab.expect_download() as got:
            link.click()
        assert got.value.suggested_filename == "Parks minutes.html"
        # Typed into the address bar, the file still only downloads.
        ticket = tab.request.post(f"{server.url}/documents/{doc_id}/file-link", headers=auth).json()["url"]
        direct = context.new_page()
        with direct.expect_download():
            try:
                direct.goto(server.url + ticket)
            except Exception as exc:  # playwright reports a navigation that became a download
                assert "Download is starting" in str(exc)
        direct.close()
        tab.wait_for_timeout(500)
        assert len(context.pages) == pages_before
        assert tab.evaluate("localStorage.getItem('pwned')") is None
        names = [k["name"] for k in tab.request.get(f"{server.url}/keys", headers=auth).json()["keys"]]
        assert "stolen" not in names
    finally:
        tab.request.delete(f"{server.url}/documents/{doc_id}", headers=auth)
        context.close()


# --- a phone ----------------------------------------------------------------------------------------


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_phone_width_375(page, server):
    open_chat(page, server, width=375)
    assert no_sideways_scroll(page)
    reply = ask(page, "How many key workers were rehoused in 2022?")
    assert "11" in reply.locator(".answer-text").inner_text()
    assert no_sideways_scroll(page)
    shot(page, "11-phone-answer")
    reply.locator(".answer-text a.cite").first.click()
    panel = page.locator("#citation-panel")
    panel.wait_for(state="visible")
    box = panel.bounding_box()
    assert box["x"] == 0 and box["width"] == 375  # a full-width sheet
    assert "Rehoused: 11" in panel.locator("mark").first.inner_text()
    shot(page, "12-phone-source-sheet")
    page.locator("#panel-close").click()
    panel.wait_for(state="hidden")

    page.goto(f"{server.url}/?as_of={AS_OF}#actions")
    page.wait_for_selector(".actions-table")
    assert no_sideways_scroll(page)
    page.locator("#actions-overdue").check()
    page.wait_for_function("document.querySelectorAll('.actions-table tbody tr.overdue').length > 0 && document.querySelectorAll('.actions-table tbody tr:not(.overdue)').length === 0")
    assert no_sideways_scroll(page)
    shot(page, "13-phone-actions")
