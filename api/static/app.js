/* Committee Papers Assistant: the chat page. Plain JS, no framework, nothing from the network but
   this app. Untrusted text (answers, passages, titles) is only ever set with textContent. */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var KEY_STORE = "papers.apiKey";
  var params = new URLSearchParams(location.search);
  // ?as_of=YYYY-MM-DD judges "overdue" on a fixed day (reproducible answers and demos).
  var AS_OF = /^\d{4}-\d{2}-\d{2}$/.test(params.get("as_of") || "") ? params.get("as_of") : null;

  var state = {
    conversationId: null,
    committee: "",
    dateFrom: "",
    dateTo: "",
    busy: false,
    committees: [],
    documents: null,
    lastTrigger: null,
    loaded: {}
  };

  /* ---------- small helpers ---------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function formatDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso || ""));
    if (!m) return iso ? String(iso) : "";
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  function apiKey() {
    try { return sessionStorage.getItem(KEY_STORE) || ""; } catch (e) { return ""; }
  }

  function headers(extra) {
    var h = { Accept: "application/json" };
    var key = apiKey();
    if (key) h["X-API-Key"] = key;
    for (var k in extra || {}) h[k] = extra[k];
    return h;
  }

  function errorText(status, body) {
    var d = body && body.detail;
    if (Array.isArray(d)) d = d.map(function (x) { return (x && x.msg) || String(x); }).join("; ");
    if (status === 401) return (d ? d + ". " : "") + "Check the API key at the top of the page, or forget it to use public access.";
    if (status === 403) return (d || "Not allowed") + ". Your API key's role does not allow this.";
    if (typeof d === "string" && d) return d;
    if (status >= 500) return "The service had a problem (HTTP " + status + "). Try again in a moment.";
    return "The service returned an error (HTTP " + status + ").";
  }

  /* fetch JSON; rejects with {message, status} */
  function getJSON(url, options) {
    options = options || {};
    options.headers = headers(options.headers);
    return fetch(url, options)
      .catch(function () { throw { message: "Could not reach the service. Check your connection and try again.", status: 0 }; })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (!r.ok) throw { message: errorText(r.status, body), status: r.status };
          return body;
        });
      });
  }

  function stateBox(kind, title, text, action) {
    var box = el("div", "state state-" + kind);
    if (kind === "error") box.setAttribute("role", "alert");
    if (kind === "loading") box.setAttribute("aria-busy", "true");
    box.appendChild(el("p", "state-title", title));
    if (text) box.appendChild(el("p", "state-text", text));
    if (action) {
      var b = el("button", "btn-secondary btn-small", action.label);
      b.type = "button";
      b.addEventListener("click", action.run);
      box.appendChild(b);
    }
    return box;
  }

  function isPdf(source) { return /\.pdf$/i.test(source || ""); }

  function fileUrl(documentId, page, source) {
    var url = "/documents/" + encodeURIComponent(documentId) + "/file";
    return isPdf(source) && page ? url + "#page=" + page : url;
  }

  /* A link to an original paper. A PDF opens in the browser's own viewer at the cited page; any
     other original (HTML, Word, text) is downloaded, never shown as this page: the server sends it
     as an attachment with a sandboxing policy, and it is never turned into a same-origin blob.
     With an API key the browser cannot send the header on a plain navigation, so the page asks
     for a short-lived link (POST /documents/{id}/file-link) and opens that. */
  function fileLink(documentId, page, source, label) {
    var pdf = isPdf(source);
    var a = el("a", "file-link", label);
    a.href = fileUrl(documentId, page, source);
    if (pdf) { a.target = "_blank"; a.rel = "noopener noreferrer"; } else { a.setAttribute("download", ""); }
    a.addEventListener("click", function (e) {
      if (!apiKey()) return;
      e.preventDefault();
      var win = pdf ? window.open("about:blank", "_blank") : null;
      if (win) win.opener = null;
      getJSON("/documents/" + encodeURIComponent(documentId) + "/file-link", { method: "POST" })
        .then(function (link) {
          var url = link.url + (pdf && page ? "#page=" + page : "");
          if (win) { win.location.replace(url); return; }
          if (pdf) { location.href = url; return; }
          var save = el("a");
          save.href = url;
          save.setAttribute("download", "");
          document.body.appendChild(save);
          save.click();
          save.remove();
        })
        .catch(function (err) {
          if (win) win.close();
          alert("The original file could not be opened: " + err.message);
        });
    });
    return a;
  }

  /* ---------- API key ---------- */

  var keyForm = $("key-form"), keyInput = $("api-key"), keyStatus = $("key-status"), accessLabel = $("access-label");

  function showAccess(me) {
    var access = $("access");
    if (me && me.role && me.role !== "public") {
      accessLabel.textContent = "Signed in: " + me.role + (me.name && me.name !== "anonymous" ? " (" + me.name + ")" : "");
      access.classList.add("has-key");
    } else {
      accessLabel.textContent = "Public access";
      access.classList.remove("has-key");
    }
    document.body.dataset.role = (me && me.role) || "public";
  }

  function checkKey() {
    return getJSON("/me").then(function (me) { showAccess(me); return me; }, function (err) {
      showAccess(null);
      keyStatus.textContent = err.message;
      throw err;
    });
  }

  function keyChanged() {
    state.conversationId = null;
    state.loaded = {};
    loadCommittees();
    showView(currentView());
  }

  keyForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var key = keyInput.value.trim();
    if (!key) { keyStatus.textContent = "Paste a key first."; keyInput.focus(); return; }
    try { sessionStorage.setItem(KEY_STORE, key); } catch (err) { /* private mode: kept for this page only */ }
    keyInput.value = "";
    keyStatus.textContent = "Checking the key…";
    checkKey().then(function (me) {
      keyStatus.textContent = "Key accepted: " + me.role + " access.";
      keyChanged();
    }, function () {
      try { sessionStorage.removeItem(KEY_STORE); } catch (err) { /* ignore */ }
      keyStatus.textContent = "That key was not accepted (invalid or revoked). You are using public access.";
      showAccess(null);
    });
  });

  $("key-clear").addEventListener("click", function () {
    try { sessionStorage.removeItem(KEY_STORE); } catch (err) { /* ignore */ }
    keyInput.value = "";
    showAccess(null);
    keyStatus.textContent = "Key forgotten. You are using public access.";
    keyChanged();
  });

  /* ---------- views ---------- */

  var VIEWS = ["chat", "actions", "documents"];

  function currentView() {
    var v = location.hash.replace("#", "");
    return VIEWS.indexOf(v) >= 0 ? v : "chat";
  }

  function showView(view) {
    VIEWS.forEach(function (v) {
      $("view-" + v).hidden = v !== view;
      var link = $("nav-" + v);
      if (v === view) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
    });
    if (view !== "chat") closePanel(true);
    if (view === "actions" && !state.loaded.actions) { state.loaded.actions = true; loadActions(); }
    if (view === "documents" && !state.loaded.documents) { state.loaded.documents = true; loadDocuments(); }
  }

  window.addEventListener("hashchange", function () {
    showView(currentView());
    var h = $("view-" + currentView()).querySelector("h1");
    if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
  });

  /* ---------- committees (chips and the actions filter) ---------- */

  var chipRow = $("committee-chips"), chipsStatus = $("chips-status");

  function committeeLabel(c) {
    return c.acronyms && c.acronyms.length === 1 ? c.acronyms[0] : c.name;
  }

  function shortCommittee(name) {
    var c = state.committees.filter(function (x) { return x.name === name; })[0];
    return c ? committeeLabel(c) : name;
  }

  function setCommittee(name) {
    state.committee = name;
    Array.prototype.forEach.call(chipRow.querySelectorAll(".chip"), function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.committee === name));
    });
  }

  function loadCommittees() {
    getJSON("/committees").then(function (data) {
      state.committees = (data.committees || []).filter(function (c) { return c.documents > 0; });
      chipRow.textContent = "";
      var all = el("button", "chip", "All committees");
      all.type = "button";
      all.dataset.committee = "";
      chipRow.appendChild(all);
      state.committees.forEach(function (c) {
        var b = el("button", "chip", committeeLabel(c));
        b.type = "button";
        b.dataset.committee = c.name;
        b.title = c.name;
        if (committeeLabel(c) !== c.name) b.setAttribute("aria-label", c.name + " (" + committeeLabel(c) + ")");
        chipRow.appendChild(b);
      });
      if (state.committee && !state.committees.some(function (c) { return c.name === state.committee; })) state.committee = "";
      setCommittee(state.committee);
      chipsStatus.hidden = true;

      var select = $("actions-committee"), keep = select.value;
      select.length = 1;
      state.committees.filter(function (c) { return c.actions > 0; }).forEach(function (c) {
        var o = el("option", null, c.name + (committeeLabel(c) !== c.name ? " (" + committeeLabel(c) + ")" : ""));
        o.value = c.name;
        select.appendChild(o);
      });
      select.value = keep;
    }, function (err) {
      chipsStatus.textContent = "Could not load the committee list (" + err.message + "). You can still ask across all committees.";
      chipsStatus.hidden = false;
    });
  }

  chipRow.addEventListener("click", function (e) {
    var b = e.target.closest(".chip");
    if (b) setCommittee(b.dataset.committee || "");
  });

  /* ---------- date chip ---------- */

  var datePanel = $("date-panel"), datesChip = $("dates-chip"), dateFrom = $("date-from"), dateTo = $("date-to");

  function renderDatesChip() {
    var label = "Any meeting date";
    if (state.dateFrom && state.dateTo) label = formatDate(state.dateFrom) + " – " + formatDate(state.dateTo);
    else if (state.dateFrom) label = "From " + formatDate(state.dateFrom);
    else if (state.dateTo) label = "Up to " + formatDate(state.dateTo);
    $("dates-chip-label").textContent = label;
    var active = !!(state.dateFrom || state.dateTo);
    datesChip.setAttribute("aria-pressed", String(active));
    $("dates-clear").hidden = !active;
  }

  function toggleDates(open) {
    datePanel.hidden = !open;
    datesChip.setAttribute("aria-expanded", String(open));
    $("dates-error").hidden = true;
    if (open) { dateFrom.value = state.dateFrom; dateTo.value = state.dateTo; dateFrom.focus(); }
  }

  datesChip.addEventListener("click", function () { toggleDates(datePanel.hidden); });
  $("dates-cancel").addEventListener("click", function () { toggleDates(false); datesChip.focus(); });
  $("dates-apply").addEventListener("click", function () {
    if (dateFrom.value && dateTo.value && dateFrom.value > dateTo.value) {
      var err = $("dates-error");
      err.textContent = "The 'From' date must not be after the 'To' date.";
      err.hidden = false;
      dateFrom.focus();
      return;
    }
    state.dateFrom = dateFrom.value;
    state.dateTo = dateTo.value;
    renderDatesChip();
    toggleDates(false);
    datesChip.focus();
  });
  $("dates-clear").addEventListener("click", function () {
    state.dateFrom = state.dateTo = "";
    renderDatesChip();
    datesChip.focus();
  });

  /* ---------- the source panel ---------- */

  var layout = $("layout"), panel = $("citation-panel"), panelHeading = $("panel-heading"), panelBody = $("panel-body");

  /* The answer's sentences that cite citation n (the text before each "[n]" marker), without the
     section heading the answer may put in front of a sentence ("4. Land at Mill Lane: RESOLVED ..."). */
  function citedSentences(answer, n, section) {
    var heading = section ? section.split(" > ").pop() + ": " : null;
    var out = [], re = /\[(\d+)\]/g, last = 0, m;
    answer = String(answer || "");
    while ((m = re.exec(answer)) !== null) {
      var piece = answer.slice(last, m.index);
      var lineStart = piece.lastIndexOf("\n");
      if (lineStart >= 0) piece = piece.slice(lineStart + 1);
      piece = piece.trim();
      if (heading && piece.indexOf(heading) === 0) piece = piece.slice(heading.length);
      if (+m[1] === n) out.push(piece);
      last = re.lastIndex;
    }
    return out;
  }

  function words(text) {
    return (String(text).toLowerCase().match(/[a-z0-9£%]+/g) || []).filter(function (w) { return w.length > 2; });
  }

  /* [start, end] ranges of the passage to highlight: each cited sentence found in it (spacing
     aside), or else the passage sentence sharing the most words with what was cited. */
  function highlightRanges(passage, sentences) {
    var ranges = [];
    sentences.forEach(function (s) {
      var clean = s.replace(/^\d+\.\s+/, "").replace(/\s*…$/, "").replace(/[.:]$/, "").trim();
      var parts = clean.split(/\s+/).filter(Boolean);
      if (parts.length < 2) return;
      var pattern = parts.map(function (p) { return p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }).join("\\s+");
      var m = new RegExp(pattern, "i").exec(passage);
      if (m) ranges.push([m.index, m.index + m[0].length]);
    });
    if (ranges.length || !sentences.length) return ranges;
    var wanted = {};
    sentences.forEach(function (s) { words(s).forEach(function (w) { wanted[w] = true; }); });
    var best = null, bestScore = 0, re = /[^.!?\n]+[.!?]*/g, m2;
    while ((m2 = re.exec(passage)) !== null) {
      var ws = words(m2[0]);
      if (!ws.length) continue;
      var hits = ws.filter(function (w) { return wanted[w]; }).length;
      var score = hits / Math.max(4, ws.length) + hits / 100;
      if (score > bestScore) { bestScore = score; best = [m2.index, m2.index + m2[0].length]; }
    }
    return best && bestScore >= 0.3 ? [best] : [];
  }

  function renderPassage(container, text, ranges) {
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var pos = 0;
    ranges.forEach(function (r) {
      if (r[0] < pos) return;
      if (r[0] > pos) container.appendChild(document.createTextNode(text.slice(pos, r[0])));
      container.appendChild(el("mark", null, text.slice(r[0], r[1])));
      pos = r[1];
    });
    if (pos < text.length) container.appendChild(document.createTextNode(text.slice(pos)));
  }

  function metaRow(dl, label, value, id) {
    dl.appendChild(el("dt", null, label));
    var dd = el("dd", null, value === null || value === undefined || value === "" ? "Not recorded" : value);
    if (id) dd.id = id;
    dl.appendChild(dd);
    return dd;
  }

  function openCitation(c, answerText, trigger) {
    state.lastTrigger = trigger || null;
    panelHeading.textContent = "Source [" + c.n + "]";
    panelBody.textContent = "";
    panelBody.appendChild(el("h3", "panel-title", c.title || c.source));
    var dl = el("dl", "meta");
    metaRow(dl, "Committee", c.committee);
    metaRow(dl, "Meeting date", formatDate(c.meeting_date));
    metaRow(dl, "Page", c.page);
    if (c.section) metaRow(dl, "Section", c.section);
    var cls = metaRow(dl, "Classification", "Loading…", "panel-classification");
    metaRow(dl, "File", c.source);
    panelBody.appendChild(dl);
    panelBody.appendChild(el("h4", "passage-label", "Passage"));
    var quote = el("blockquote", "passage");
    renderPassage(quote, c.text || "", highlightRanges(c.text || "", citedSentences(answerText, c.n, c.section)));
    panelBody.appendChild(quote);
    var label = isPdf(c.source) && c.page ? "Open the paper at page " + c.page : "Open the original paper";
    var link = fileLink(c.document_id, c.page, c.source, label);
    link.classList.add("btn-link");
    panelBody.appendChild(link);
    if (c.source_url && /^https?:\/\//.test(c.source_url)) {
      var site = el("a", "btn-link council-link", "On the council's site");
      site.href = c.source_url;
      site.target = "_blank";
      site.rel = "noopener noreferrer";
      panelBody.appendChild(site);
    }

    getJSON("/documents/" + encodeURIComponent(c.document_id)).then(function (d) {
      cls.textContent = d.classification ? d.classification.charAt(0).toUpperCase() + d.classification.slice(1) : "Not recorded";
      cls.className = "classification classification-" + (d.classification || "unknown");
    }, function () { cls.textContent = "Not available"; });

    panel.hidden = false;
    layout.classList.add("panel-open");
    document.body.classList.add("sheet-open");
    panel.scrollTop = 0;
    panelHeading.focus();
  }

  function closePanel(silent) {
    if (panel.hidden) return;
    panel.hidden = true;
    layout.classList.remove("panel-open");
    document.body.classList.remove("sheet-open");
    if (!silent && state.lastTrigger && document.body.contains(state.lastTrigger)) state.lastTrigger.focus();
    state.lastTrigger = null;
  }

  $("panel-close").addEventListener("click", function () { closePanel(); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.hidden) { e.preventDefault(); closePanel(); }
    else if (e.key === "Escape" && !datePanel.hidden) { toggleDates(false); datesChip.focus(); }
  });

  /* ---------- the conversation ---------- */

  var form = $("ask-form"), question = $("question"), askButton = $("ask-button");
  var messages = $("messages"), emptyState = $("empty-state"), newConversation = $("new-conversation");

  function addMessage(className) {
    emptyState.hidden = true;
    newConversation.hidden = false;
    var msg = el("article", "message " + className);
    messages.appendChild(msg);
    return msg;
  }

  function citeLink(c, answerText, label, className) {
    var a = el("a", className || "cite", label);
    a.href = "#source-" + c.n;
    a.setAttribute("aria-controls", "citation-panel");
    a.setAttribute("aria-label", "Source " + c.n + (c.title ? ": " + c.title : "") + (c.page ? ", page " + c.page : ""));
    a.addEventListener("click", function (e) { e.preventDefault(); openCitation(c, answerText(), a); });
    return a;
  }

  /* The answer text with each [n] marker a link to citation n. */
  function renderAnswerText(container, text, byNumber, answerText) {
    container.textContent = "";
    var re = /\[(\d+)\]/g, last = 0, m;
    while ((m = re.exec(text)) !== null) {
      var c = byNumber[m[1]];
      if (!c) continue;
      if (m.index > last) container.appendChild(document.createTextNode(text.slice(last, m.index)));
      container.appendChild(citeLink(c, answerText, "[" + c.n + "]"));
      last = re.lastIndex;
    }
    if (last < text.length) container.appendChild(document.createTextNode(text.slice(last)));
  }

  function sourceLine(c) {
    var parts = [];
    if (c.committee) parts.push(shortCommittee(c.committee));
    if (c.meeting_date) parts.push(formatDate(c.meeting_date));
    if (c.page !== null && c.page !== undefined) parts.push("p. " + c.page);
    return parts.join(" · ");
  }

  function renderSources(reply, citations, mode, answerText) {
    var old = reply.querySelector(".sources-block");
    if (old) old.remove();
    if (!citations.length) return;
    var block = el("div", "sources-block");
    block.appendChild(el("h3", "sources-heading", mode === "not_found" ? "Closest passages" : "Sources"));
    var list = el("ol", "sources");
    citations.forEach(function (c) {
      var li = el("li", "source");
      var a = citeLink(c, answerText, "", "source-link");
      a.appendChild(el("span", "source-n", "[" + c.n + "]"));
      a.appendChild(el("span", "source-title", c.title || c.source));
      li.appendChild(a);
      var line = sourceLine(c);
      if (line) li.appendChild(el("span", "source-meta", line));
      list.appendChild(li);
    });
    block.appendChild(list);
    reply.appendChild(block);
  }

  function filterSummary(payload) {
    var parts = [];
    if (payload.committee) parts.push(shortCommittee(payload.committee));
    if (payload.date_from && payload.date_to) parts.push(formatDate(payload.date_from) + " – " + formatDate(payload.date_to));
    else if (payload.date_from) parts.push("from " + formatDate(payload.date_from));
    else if (payload.date_to) parts.push("up to " + formatDate(payload.date_to));
    return parts;
  }

  /* Parse a text/event-stream body, calling onEvent(name, data) for each event. */
  function readEvents(response, onEvent) {
    var reader = response.body.getReader(), decoder = new TextDecoder(), buffer = "";
    function pump() {
      return reader.read().then(function (r) {
        buffer += decoder.decode(r.value || new Uint8Array(), { stream: !r.done });
        var cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          var raw = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          var name = "message", data = "";
          raw.split("\n").forEach(function (line) {
            if (line.indexOf("event:") === 0) name = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
          });
          if (data) onEvent(name, JSON.parse(data));
        }
        if (!r.done) return pump();
      });
    }
    return pump();
  }

  /* "Alert me about this": a saved search for the question (and its committee and dates); what
     new papers say about it reaches the alert's feed, under the caller's own clearance. */
  function alertButton(question, payload) {
    var box = el("div", "alert-box");
    var button = el("button", "btn-secondary btn-small alert-button", "Alert me about this");
    button.type = "button";
    var status = el("p", "alert-status");
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      button.disabled = true;
      var body = { kind: "search", query: question };
      if (payload.committee) body.committee = payload.committee;
      if (payload.date_from) body.date_from = payload.date_from;
      if (payload.date_to) body.date_to = payload.date_to;
      getJSON("/alerts", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then(function (alert) {
          status.textContent = "Alert saved. New papers about this will appear in its feed: ";
          var feed = el("a", "alert-feed", "feed for this alert");
          feed.href = alert.feed_url;
          status.appendChild(feed);
        })
        .catch(function (err) {
          button.disabled = false;
          status.textContent = "The alert could not be saved: " + err.message;
        });
    });
    box.appendChild(button);
    box.appendChild(status);
    return box;
  }

  function ask(text, note) {
    text = text.trim();
    if (!text || state.busy) return;
    state.busy = true;
    askButton.disabled = true;
    form.setAttribute("aria-busy", "true");

    var payload = { question: text };
    if (state.committee) payload.committee = state.committee;
    if (state.dateFrom) payload.date_from = state.dateFrom;
    if (state.dateTo) payload.date_to = state.dateTo;
    if (AS_OF) payload.as_of = AS_OF;
    if (state.conversationId) payload.conversation_id = state.conversationId;

    var q = addMessage("question-msg");
    q.appendChild(el("h2", "visually-hidden", "You asked"));
    q.appendChild(el("p", "question-text", text));
    var tags = filterSummary(payload);
    if (tags.length) q.appendChild(el("p", "question-filters", "Searching " + tags.join(", ")));

    var reply = addMessage("reply loading");
    reply.setAttribute("aria-busy", "true");
    reply.appendChild(el("h2", "visually-hidden", "Answer"));
    if (note) reply.appendChild(el("p", "followup-note", note));
    var status = el("p", "loading-text", "Searching the papers…");
    reply.appendChild(status);
    reply.scrollIntoView({ block: "nearest" });

    var answer = "", citations = [], byNumber = {}, mode = null, para = null, failed = false;
    var answerText = function () { return answer; };

    function fail(message) {
      failed = true;
      reply.classList.remove("loading", "streaming");
      reply.classList.add("error");
      reply.textContent = "";
      reply.appendChild(el("h2", "visually-hidden", "Answer"));
      var p = el("p", "error-text", "Sorry, that didn't work: " + message);
      p.setAttribute("role", "alert");
      reply.appendChild(p);
      var again = el("button", "btn-secondary btn-small", "Try again");
      again.type = "button";
      again.addEventListener("click", function () { q.remove(); reply.remove(); ask(text); });
      reply.appendChild(again);
    }

    function onEvent(name, data) {
      if (name === "meta") {
        state.conversationId = data.conversation_id || state.conversationId;
        mode = data.mode;
        status.remove();
        reply.classList.remove("loading");
        reply.classList.add("streaming", "answer-" + mode);
        if (data.standalone_question) {
          var note = el("p", "followup-note");
          note.appendChild(el("span", "followup-label", "Answered as: "));
          note.appendChild(el("q", null, data.standalone_question));
          reply.appendChild(note);
        }
        para = el("p", "answer-text");
        reply.appendChild(para);
      } else if (name === "citations") {
        citations = data.citations || [];
        citations.forEach(function (c) { byNumber[c.n] = c; });
        renderSources(reply, citations, mode, answerText);
      } else if (name === "delta") {
        answer += data.text;
        renderAnswerText(para, answer, byNumber, answerText);
      } else if (name === "done") {
        answer = data.answer;
        if (data.mode && data.mode !== mode) {
          reply.classList.remove("answer-" + mode);
          mode = data.mode;
          reply.classList.add("answer-" + mode);
        }
        if (data.citations) {
          citations = data.citations;
          byNumber = {};
          citations.forEach(function (c) { byNumber[c.n] = c; });
          renderSources(reply, citations, mode, answerText);
        }
        renderAnswerText(para, answer, byNumber, answerText);
        if (data.answerer && data.answerer.indexOf("llm:") === 0 && data.mode === "generated") {
          reply.insertBefore(el("p", "answerer-note", "Written by a language model (" + data.answerer.slice(4) + "); every sentence was checked against the passage it cites."), para.nextSibling);
        }
        if (data.note) reply.insertBefore(el("p", "answerer-note", data.note), para.nextSibling);
        if (data.mode !== "actions") reply.appendChild(alertButton(text, payload));
        reply.classList.remove("streaming");
        reply.classList.add("done");
      } else if (name === "error") {
        fail(data.message || "the answer could not be made.");
      }
    }

    /* Events are shown one at a time, a short beat after each piece of answer text, so the
       answer builds up sentence by sentence even when the network delivers it all at once. */
    var queue = [], draining = false, drained = null;
    function enqueue(name, data) {
      queue.push([name, data]);
      if (!draining) drain();
    }
    function drain() {
      draining = true;
      while (queue.length) {
        var next = queue.shift();
        onEvent(next[0], next[1]);
        if (next[0] === "delta") { setTimeout(drain, 40); return; }
      }
      draining = false;
      if (drained) { drained(); drained = null; }
    }
    function allShown() {
      return new Promise(function (resolve) { if (!draining && !queue.length) resolve(); else drained = resolve; });
    }

    var sentConversation = !!payload.conversation_id, handedOff = false;
    fetch("/ask/stream", { method: "POST", headers: headers({ "Content-Type": "application/json", Accept: "text/event-stream" }), body: JSON.stringify(payload) })
      .catch(function () { throw { message: "Could not reach the service. Check your connection and try again." }; })
      .then(function (r) {
        if (!r.ok) {
          return r.json().catch(function () { return null; }).then(function (body) {
            throw { message: errorText(r.status, body), status: r.status };
          });
        }
        return readEvents(r, enqueue).then(allShown);
      })
      .then(function () {
        if (!failed && !reply.classList.contains("done")) fail("the answer was cut off. Try again.");
      })
      .catch(function (err) {
        if (err && err.status === 404 && sentConversation) {
          // The conversation expired on the server: ask again as a new conversation, and say so.
          state.conversationId = null;
          q.remove(); reply.remove();
          state.busy = false;
          handedOff = true;
          ask(text, "Your earlier conversation had expired, so this was asked as a new question.");
          return;
        }
        fail(err && err.message ? err.message : "the answer could not be displayed.");
      })
      .then(function () {
        if (handedOff) return;
        state.busy = false;
        reply.removeAttribute("aria-busy");
        askButton.disabled = false;
        form.removeAttribute("aria-busy");
      });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = question.value;
    if (!text.trim()) { question.focus(); return; }
    if (state.busy) return;
    question.value = "";
    ask(text);
    question.focus();
  });

  question.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  Array.prototype.forEach.call(document.querySelectorAll("#examples .example"), function (b) {
    b.addEventListener("click", function () { question.value = b.textContent; form.requestSubmit(); });
  });

  newConversation.addEventListener("click", function () {
    state.conversationId = null;
    messages.textContent = "";
    emptyState.hidden = false;
    newConversation.hidden = true;
    closePanel(true);
    question.focus();
  });

  /* ---------- Actions view ---------- */

  var actionsForm = $("actions-filters"), actionsBody = $("actions-body"), actionsSummary = $("actions-summary");
  $("actions-as-of").value = AS_OF || "";

  function actionStatus(a) {
    var cell = el("td", "status-cell");
    cell.dataset.label = "Status";
    var wrap = el("span", "status-wrap");
    wrap.appendChild(el("span", "status status-" + a.status, a.status.charAt(0).toUpperCase() + a.status.slice(1)));
    if (a.overdue) {
      wrap.appendChild(el("span", "badge-overdue", a.overdue_kind === "no_update_recorded" ? "Overdue: no update recorded" : "Overdue: response awaited"));
    }
    cell.appendChild(wrap);
    return cell;
  }

  function td(label, text, className) {
    var cell = el("td", className, text);
    cell.dataset.label = label;
    return cell;
  }

  function renderActions(data) {
    var list = data.actions || [];
    var overdue = list.filter(function (a) { return a.overdue; }).length;
    actionsSummary.textContent = list.length + (list.length === 1 ? " action" : " actions") + " · " + overdue + " overdue · as of " + formatDate(data.as_of);
    actionsBody.textContent = "";
    if (!list.length) {
      var filtered = new FormData(actionsForm);
      var any = ["committee", "status", "owner", "overdue"].some(function (k) { return filtered.get(k); });
      actionsBody.appendChild(any
        ? stateBox("empty", "No actions match these filters.", "Try another committee or status, or clear the filters.", { label: "Clear filters", run: resetActions })
        : stateBox("empty", "No tracked actions yet.", "Actions are read from action logs and action plans when papers are ingested."));
      return;
    }
    var table = el("table", "actions-table");
    table.appendChild(el("caption", "visually-hidden", "Tracked actions, overdue ones highlighted"));
    var head = el("thead"), hr = el("tr");
    ["Action", "Committee", "Owner", "Due", "Status", "Source"].forEach(function (h) {
      var th = el("th", null, h); th.scope = "col"; hr.appendChild(th);
    });
    head.appendChild(hr);
    table.appendChild(head);
    var body = el("tbody");
    list.forEach(function (a) {
      var tr = el("tr", a.overdue ? "overdue" : "");
      var action = el("td", "action-cell");
      action.dataset.label = "Action";
      if (a.reference) action.appendChild(el("span", "ref", a.reference));
      action.appendChild(el("span", "action-text", a.action));
      if (a.response) action.appendChild(el("span", "response", "Response: " + a.response));
      tr.appendChild(action);
      var committee = td("Committee", "");
      if (a.committee) {
        var abbr = el("abbr", null, shortCommittee(a.committee));
        abbr.title = a.committee;
        committee.appendChild(abbr);
      } else committee.textContent = "Not recorded";
      tr.appendChild(committee);
      tr.appendChild(td("Owner", a.owner || "Not recorded"));
      var due = td("Due", a.due_date ? formatDate(a.due_date) : (a.due_text || "No date"));
      if (a.due_text && a.due_date && a.due_text.trim() !== formatDate(a.due_date)) due.title = "As written: " + a.due_text;
      tr.appendChild(due);
      tr.appendChild(actionStatus(a));
      var src = td("Source", "");
      var s = a.source || {};
      var open = fileLink(s.document_id, s.page, s.source, s.page ? "Page " + s.page : "Open paper");
      open.setAttribute("aria-label", (s.page ? "Page " + s.page + " of " : "Open ") + (s.source || "the paper"));
      var where = el("span", "source-wrap");
      where.appendChild(open);
      if (s.source) where.appendChild(el("span", "file-name", s.source));
      src.appendChild(where);
      tr.appendChild(src);
      body.appendChild(tr);
    });
    table.appendChild(body);
    actionsBody.appendChild(table);
  }

  function loadActions() {
    var f = new FormData(actionsForm), query = new URLSearchParams();
    ["committee", "status", "owner", "as_of"].forEach(function (k) { var v = (f.get(k) || "").trim(); if (v) query.set(k, v); });
    if (f.get("overdue")) query.set("overdue", "true");
    actionsSummary.textContent = "";
    actionsBody.textContent = "";
    actionsBody.appendChild(stateBox("loading", "Loading actions…"));
    getJSON("/actions?" + query.toString()).then(renderActions, function (err) {
      actionsBody.textContent = "";
      actionsBody.appendChild(stateBox("error", "The actions could not be loaded.", err.message, { label: "Try again", run: loadActions }));
    });
  }

  function resetActions() {
    actionsForm.reset();
    $("actions-as-of").value = AS_OF || "";
    loadActions();
  }

  actionsForm.addEventListener("submit", function (e) { e.preventDefault(); loadActions(); });
  ["actions-committee", "actions-status", "actions-overdue", "actions-as-of"].forEach(function (id) {
    $(id).addEventListener("change", loadActions);
  });
  $("actions-reset").addEventListener("click", resetActions);

  /* ---------- Documents view ---------- */

  var documentsBody = $("documents-body"), documentsSummary = $("documents-summary"), documentsFilter = $("documents-filter");
  var TYPE_NAMES = { agenda: "Agenda", report: "Report", minutes: "Minutes", action_log: "Action log", action_plan: "Action plan", decision: "Decision", forward_plan: "Forward plan", other: "Other" };

  function renderDocuments() {
    var docs = state.documents || [];
    var needle = documentsFilter.value.trim().toLowerCase();
    var shown = docs.filter(function (d) {
      return !needle || [d.title, d.committee, d.committee_acronym, d.source].some(function (v) { return v && v.toLowerCase().indexOf(needle) >= 0; });
    });
    documentsSummary.textContent = needle ? shown.length + " of " + docs.length + " papers" : docs.length + (docs.length === 1 ? " paper" : " papers");
    documentsBody.textContent = "";
    if (!docs.length) {
      documentsBody.appendChild(stateBox("empty", "No papers yet.", "An admin can upload papers above, or run `papers ingest` on the server."));
      return;
    }
    if (!shown.length) {
      documentsBody.appendChild(stateBox("empty", "No papers match “" + documentsFilter.value.trim() + "”.", "Try part of a title, a committee or a file name.",
        { label: "Clear the filter", run: function () { documentsFilter.value = ""; renderDocuments(); documentsFilter.focus(); } }));
      return;
    }
    var table = el("table", "documents-table");
    table.appendChild(el("caption", "visually-hidden", "Committee papers"));
    var hr = el("tr");
    ["Paper", "Committee", "Meeting", "Type", "Classification", "Pages"].forEach(function (h) { var th = el("th", null, h); th.scope = "col"; hr.appendChild(th); });
    var head = el("thead"); head.appendChild(hr); table.appendChild(head);
    var body = el("tbody");
    shown.forEach(function (d) {
      var tr = el("tr");
      var paper = td("Paper", "");
      paper.appendChild(fileLink(d.id, null, d.source, d.title || d.source));
      if (d.title) paper.appendChild(el("span", "file-name", d.source));
      tr.appendChild(paper);
      tr.appendChild(td("Committee", d.committee ? d.committee + (d.committee_acronym ? " (" + d.committee_acronym + ")" : "") : "Not recorded"));
      tr.appendChild(td("Meeting", d.meeting_date ? formatDate(d.meeting_date) : "Not recorded"));
      tr.appendChild(td("Type", TYPE_NAMES[d.doc_type] || d.doc_type));
      var cls = td("Classification", "");
      cls.appendChild(el("span", "classification classification-" + (d.classification || "unknown"), d.classification || "unknown"));
      tr.appendChild(cls);
      tr.appendChild(td("Pages", d.pages ? String(d.pages) : "–"));
      body.appendChild(tr);
    });
    table.appendChild(body);
    documentsBody.appendChild(table);
  }

  function loadDocuments() {
    documentsSummary.textContent = "";
    documentsBody.textContent = "";
    documentsBody.appendChild(stateBox("loading", "Loading papers…"));
    getJSON("/documents").then(function (data) {
      state.documents = data.documents || [];
      renderDocuments();
    }, function (err) {
      documentsBody.textContent = "";
      documentsBody.appendChild(stateBox("error", "The papers could not be loaded.", err.message, { label: "Try again", run: loadDocuments }));
    });
  }

  documentsFilter.addEventListener("input", renderDocuments);

  $("upload-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var files = $("upload-files").files, result = $("upload-result");
    result.textContent = "";
    if (!files.length) { result.appendChild(el("p", "field-error", "Choose one or more files first.")); $("upload-files").focus(); return; }
    var data = new FormData();
    Array.prototype.forEach.call(files, function (f) { data.append("files", f, f.name); });
    $("upload-button").disabled = true;
    result.appendChild(el("p", "loading-text", "Uploading and reading " + files.length + (files.length === 1 ? " file…" : " files…")));
    getJSON("/documents", { method: "POST", body: data }).then(function (body) {
      result.textContent = "";
      var list = el("ul", "upload-results");
      (body.files || []).forEach(function (f) {
        var ok = f.status === "added" || f.status === "replaced" || f.status === "unchanged";
        var li = el("li", ok ? "upload-ok" : "upload-failed", f.file + ": " + f.status + (f.reason ? " (" + f.reason + ")" : "") + (ok && f.chunks ? ", " + f.chunks + (f.chunks === 1 ? " passage" : " passages") : ""));
        list.appendChild(li);
      });
      result.appendChild(list);
      $("upload-files").value = "";
      state.loaded.actions = false;
      loadCommittees();
      loadDocuments();
    }, function (err) {
      result.textContent = "";
      var p = el("p", "field-error", err.status === 401 || err.status === 403 ? "Uploading needs an admin API key. " + err.message : err.message);
      p.setAttribute("role", "alert");
      result.appendChild(p);
    }).then(function () { $("upload-button").disabled = false; });
  });

  /* ---------- start ---------- */

  renderDatesChip();
  showView(currentView());
  loadCommittees();
  if (apiKey()) checkKey().catch(function () { /* shown in the access panel */ });
  else showAccess(null);
})();
