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
    loaded: {},
    turns: 0
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

  /* A link that downloads an original paper (to read a paper here, the viewer opens it). It is
     never shown as this page: the server sends anything but a PDF as an attachment with a
     sandboxing policy, and it is never turned into a same-origin blob. With an API key the
     browser cannot send the header on a plain navigation, so the page asks for a short-lived
     link (POST /documents/{id}/file-link) and saves that. */
  function fileLink(documentId, source, label) {
    var a = el("a", "file-link", label);
    setDownload(a, documentId);
    return a;
  }

  function setDownload(a, documentId) {
    a.href = "/documents/" + encodeURIComponent(documentId) + "/file";
    a.setAttribute("download", "");
    a.addEventListener("click", function (e) {
      if (!apiKey()) return;
      e.preventDefault();
      getJSON("/documents/" + encodeURIComponent(documentId) + "/file-link", { method: "POST" })
        .then(function (link) {
          var save = el("a");
          save.href = link.url;
          save.setAttribute("download", "");
          document.body.appendChild(save);
          save.click();
          save.remove();
        })
        .catch(function (err) { alert("The original file could not be downloaded: " + err.message); });
    });
  }

  /* Open a paper in the in-app viewer: at a cited passage (highlighted) or, without one, at a page. */
  function openViewer(p, trigger) {
    var where = [p.body, p.committee, formatDate(p.meeting_date)].filter(Boolean).join(" · ");
    window.PapersViewer.open({
      documentId: p.document_id,
      chunkId: p.chunk_id || null,
      page: p.page || 1,
      pdf: isPdf(p.source),
      title: p.title || p.source,
      where: where,
      fileName: p.source,
      headers: headers,
      download: function (a) {
        var fresh = a.cloneNode(true);
        a.replaceWith(fresh);
        setDownload(fresh, p.document_id);
        fresh.textContent = "Download";
        fresh.setAttribute("aria-label", "Download the original: " + (p.source || "the paper"));
        return fresh;
      }
    }, trigger);
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
    window.PapersViewer.forget();
    startFresh(false);
    state.loaded = {};
    loadCommittees();
    showView(currentView());
    restoreConversation();
  }

  keyForm.addEventListener("submit", function (e) {
    e.preventDefault();
    var key = keyInput.value.trim();
    if (!key) { keyStatus.textContent = "Paste a key first."; keyInput.focus(); return; }
    keyStatus.textContent = "Checking the key…";
    // The new key is tried before it replaces the one in use: a mistyped key loses nothing.
    fetch("/me", { headers: { Accept: "application/json", "X-API-Key": key } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (me) {
        try { sessionStorage.setItem(KEY_STORE, key); } catch (err) { /* private mode: kept for this page only */ }
        keyInput.value = "";
        showAccess(me);
        keyStatus.textContent = "Key accepted: " + me.role + " access.";
        keyChanged();
      }, function () {
        keyStatus.textContent = "That key was not accepted (mistyped, invalid or revoked). " +
          (apiKey() ? "You are still using the key you had before." : "You are using public access.");
        keyInput.select();
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

  var VIEWS = ["chat", "actions", "decisions", "documents"];

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
    if (view === "decisions" && !state.loaded.decisions) { state.loaded.decisions = true; loadDecisions(); }
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
      var on = b.dataset.committee === name;
      b.setAttribute("aria-pressed", String(on));
      b.tabIndex = on ? 0 : -1;
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
        // The council(s) whose papers name it: "Cabinet" is a committee of many councils.
        var full = c.label || c.name;
        b.title = full;
        if (committeeLabel(c) !== full) b.setAttribute("aria-label", full + (committeeLabel(c) !== c.name ? " (" + committeeLabel(c) + ")" : ""));
        chipRow.appendChild(b);
      });
      if (state.committee && !state.committees.some(function (c) { return c.name === state.committee; })) state.committee = "";
      setCommittee(state.committee);
      chipsStatus.hidden = true;

      // Every committee with papers can be picked; those with tracked actions come first.
      var select = $("actions-committee"), keep = select.value;
      select.length = 1;
      Array.prototype.slice.call(select.querySelectorAll("optgroup")).forEach(function (g) { g.remove(); });
      [["With tracked actions", function (c) { return c.actions > 0; }],
       ["No actions recorded", function (c) { return !(c.actions > 0); }]].forEach(function (group) {
        var members = state.committees.filter(group[1]);
        if (!members.length) return;
        var g = el("optgroup");
        g.label = group[0];
        members.forEach(function (c) {
          var count = c.actions > 0 ? c.actions + (c.actions === 1 ? " action" : " actions") : "no actions";
          var o = el("option", null, c.name + (committeeLabel(c) !== c.name ? " (" + committeeLabel(c) + ")" : "") + " · " + count);
          o.value = c.name;
          g.appendChild(o);
        });
        select.appendChild(g);
      });
      select.value = keep;
      if (select.value !== keep) select.value = "";
    }, function (err) {
      chipsStatus.textContent = "Could not load the committee list (" + err.message + "). You can still ask across all committees.";
      chipsStatus.hidden = false;
    });
  }

  chipRow.addEventListener("click", function (e) {
    var b = e.target.closest(".chip");
    if (b) setCommittee(b.dataset.committee || "");
  });
  // The chips are one tab stop (the chosen one); arrow keys, Home and End move between them.
  chipRow.addEventListener("keydown", function (e) {
    var chips = Array.prototype.slice.call(chipRow.querySelectorAll(".chip"));
    var i = chips.indexOf(document.activeElement);
    if (i < 0) return;
    var to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: chips.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    to = (to + chips.length) % chips.length;
    setCommittee(chips[to].dataset.committee || "");
    chips[to].focus();
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
    if (c.body) metaRow(dl, "Council or body", c.body);
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
    var open = el("button", "btn-primary btn-small show-in-paper", c.page ? "Show on page " + c.page : "Show in the paper");
    open.type = "button";
    open.addEventListener("click", function () { openViewer(c, open); });
    var row = el("div", "button-row panel-actions");
    row.appendChild(open);
    var link = fileLink(c.document_id, c.source, "Download the original");
    link.classList.add("btn-link");
    row.appendChild(link);
    panelBody.appendChild(row);
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
    if (document.querySelector("dialog[open]")) return;  // the viewer closes itself on Escape
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

  /* The answer as safe Markdown: paragraphs, "-" and "1." lists, "#" headings (as bold lines),
     **bold**, *italic*, and each [n] marker a link to citation n. It is built as DOM nodes from
     text, so raw HTML in an answer is shown as the text it is, never parsed. */
  function renderAnswerText(container, text, byNumber, answerText) {
    container.textContent = "";
    var list = null, listType = null, para = null;
    function inline(node, s) {
      var re = /\*\*([^*\n]+)\*\*|\*([^*\s][^*\n]*)\*|\[(\d+)\]/g, last = 0, m;
      while ((m = re.exec(s)) !== null) {
        if (m[3] !== undefined && !byNumber[m[3]]) continue;
        if (m.index > last) node.appendChild(document.createTextNode(s.slice(last, m.index)));
        if (m[1] !== undefined) { var b = el("strong"); inline(b, m[1]); node.appendChild(b); }
        else if (m[2] !== undefined) { var i = el("em"); inline(i, m[2]); node.appendChild(i); }
        else node.appendChild(citeLink(byNumber[m[3]], answerText, "[" + m[3] + "]"));
        last = re.lastIndex;
      }
      if (last < s.length) node.appendChild(document.createTextNode(s.slice(last)));
    }
    function item(type, body, start) {
      para = null;
      if (!list || listType !== type) {
        list = el(type);
        if (type === "ol" && start > 1) list.start = start;
        container.appendChild(list);
        listType = type;
      }
      var li = el("li");
      inline(li, body);
      list.appendChild(li);
    }
    String(text || "").split("\n").forEach(function (line) {
      var m;
      if (!line.trim()) { list = null; para = null; return; }
      if ((m = /^\s*[-*•]\s+(.*)$/.exec(line))) { item("ul", m[1]); return; }
      if ((m = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line))) { item("ol", m[2], +m[1]); return; }
      list = null;
      if ((m = /^\s{0,3}#{1,6}\s+(.*)$/.exec(line))) {
        var h = el("p", "md-heading");
        inline(h, m[1]);
        container.appendChild(h);
        para = null;
        return;
      }
      if (para) para.appendChild(document.createElement("br"));
      else { para = el("p"); container.appendChild(para); }
      inline(para, line);
    });
  }

  /* A paper as people tell papers apart: body, committee, date, then its title. */
  function paperLabel(c) {
    if (c.label) return c.label;
    return [c.body, c.committee, formatDate(c.meeting_date), c.title || c.source].filter(Boolean).join(" · ");
  }

  function docTypeTitle(c) {
    var type = TYPE_NAMES[c.doc_type] || "Paper";
    return type + (c.committee ? " for " + c.committee : "") + (c.meeting_date ? ", " + formatDate(c.meeting_date) : "") + " (" + c.source + ")";
  }

  function sourceLine(c) {
    var parts = [];
    if (c.body) parts.push(c.body);
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
      a.appendChild(el("span", "source-title", c.title || docTypeTitle(c)));
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

  /* ---------- answer tools: copy, feedback, regenerate ---------- */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = el("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
      if (ok) resolve(); else reject(new Error("copy refused"));
    });
  }

  /* What "Copy" puts on the clipboard: the answer, then its sources as a reader would cite them. */
  function answerForCopy(answer, citations) {
    var lines = [String(answer || "").trim()];
    if (citations.length) {
      lines.push("", "Sources:");
      citations.forEach(function (c) { lines.push("[" + c.n + "] " + paperLabel(c) + (c.page ? ", page " + c.page : "")); });
    }
    return lines.join("\n");
  }

  /* A thumb icon (drawn, so it needs no emoji font), pointing down for `down`. */
  function thumb(down) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M2 10h4v11H2zM8 21h9.3a2 2 0 0 0 2-1.6l1.6-7.2A2 2 0 0 0 19 9.8h-5.2l.9-4.3a1.6 1.6 0 0 0-.4-1.5L13.3 3 8 8.6z");
    path.setAttribute("fill", "currentColor");
    if (down) svg.setAttribute("transform", "rotate(180)");
    svg.appendChild(path);
    return svg;
  }

  /* The tools under a finished answer. `turn`: {conversationId, n, question, answer, citations,
     feedback}; `regenerate`: a function, or null when this is not the latest answer. */
  function answerTools(reply, turn, regenerate) {
    var old = reply.querySelector(".answer-tools");
    if (old) old.remove();
    var bar = el("div", "answer-tools");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "This answer");
    var status = el("p", "tools-status");
    status.setAttribute("role", "status");

    var copy = el("button", "tool", "Copy");
    copy.type = "button";
    copy.addEventListener("click", function () {
      copyText(answerForCopy(turn.answer, turn.citations)).then(function () { status.textContent = "Answer and sources copied."; },
        function () { status.textContent = "Copying was refused by the browser: select the text to copy it."; });
    });
    bar.appendChild(copy);

    var ratings = {};
    ["up", "down"].forEach(function (rating) {
      var b = el("button", "tool tool-rate");
      b.appendChild(thumb(rating === "down"));
      b.type = "button";
      b.setAttribute("aria-label", rating === "up" ? "Good answer" : "Poor answer");
      b.title = rating === "up" ? "Good answer" : "Poor answer";
      b.setAttribute("aria-pressed", String(!!(turn.feedback && turn.feedback.rating === rating)));
      b.addEventListener("click", function () { rate(rating); });
      ratings[rating] = b;
      bar.appendChild(b);
    });

    var comment = el("form", "feedback-form");
    comment.hidden = true;
    var commentId = "fb-" + Math.random().toString(36).slice(2);
    var label = el("label", null, "Tell us more (optional)");
    label.htmlFor = commentId;
    var area = el("textarea");
    area.id = commentId;
    area.rows = 2;
    area.maxLength = 2000;
    var send = el("button", "btn-secondary btn-small", "Send");
    send.type = "submit";
    comment.appendChild(label);
    comment.appendChild(area);
    comment.appendChild(send);
    comment.addEventListener("submit", function (e) {
      e.preventDefault();
      submit(turn.feedback ? turn.feedback.rating : "up", area.value.trim(), true);
    });

    function submit(rating, text, withComment) {
      if (!turn.conversationId) { status.textContent = "Feedback needs the answer's conversation; ask again to rate it."; return; }
      var body = { conversation_id: turn.conversationId, turn: turn.n, rating: rating };
      if (text) body.comment = text;
      getJSON("/feedback", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then(function () {
          turn.feedback = { rating: rating, comment: text || null };
          ratings.up.setAttribute("aria-pressed", String(rating === "up"));
          ratings.down.setAttribute("aria-pressed", String(rating === "down"));
          status.textContent = withComment ? "Thank you: your comment was saved with the answer." : "Thank you: your rating was saved. You can add a comment.";
          comment.hidden = withComment;
          label.textContent = rating === "down" ? "What was wrong with it? (optional)" : "Anything to add? (optional)";
          if (!withComment) area.focus();
        }, function (err) { status.textContent = "The feedback could not be saved: " + err.message; });
    }
    function rate(rating) { submit(rating, "", false); }

    if (regenerate) {
      var again = el("button", "tool", "Regenerate");
      again.type = "button";
      again.setAttribute("aria-label", "Answer this question again");
      again.addEventListener("click", regenerate);
      bar.appendChild(again);
    }
    reply.appendChild(bar);
    reply.appendChild(comment);
    reply.appendChild(status);
  }

  /* Only the latest answer can be regenerated: take the button off the one before. */
  function dropRegenerate() {
    Array.prototype.forEach.call(messages.querySelectorAll(".answer-tools .tool"), function (b) {
      if (b.textContent === "Regenerate") b.remove();
    });
  }

  /* ---------- asking ---------- */

  /* Ask `text` (a new turn, or with options.regenerate the latest turn again, its answer
     replacing `options.reply` in place). */
  function ask(text, note, options) {
    options = options || {};
    text = text.trim();
    if (!text || state.busy) return;
    var limit = questionLimit();
    if (text.length > limit) { showQuestionError("Your question is " + text.length + " characters long: the limit is " + limit + ". Shorten it and ask again."); return; }
    state.busy = true;
    askButton.disabled = true;
    form.setAttribute("aria-busy", "true");

    var payload = { question: text };
    if (state.committee) payload.committee = state.committee;
    if (state.dateFrom) payload.date_from = state.dateFrom;
    if (state.dateTo) payload.date_to = state.dateTo;
    if (AS_OF) payload.as_of = AS_OF;
    if (state.conversationId) payload.conversation_id = state.conversationId;
    if (options.regenerate) payload.regenerate = true;

    var q = options.question;
    if (!q) {
      q = addMessage("question-msg");
      q.appendChild(el("h2", "visually-hidden", "You asked"));
      q.appendChild(el("p", "question-text", text));
      var tags = filterSummary(payload);
      if (tags.length) q.appendChild(el("p", "question-filters", "Searching " + tags.join(", ")));
      dropRegenerate();
    }

    var reply = el("article", "message reply loading");
    if (options.reply) options.reply.replaceWith(reply); else messages.appendChild(reply);
    reply.setAttribute("aria-busy", "true");
    reply.appendChild(el("h2", "visually-hidden", "Answer"));
    if (note) reply.appendChild(el("p", "followup-note", note));
    var status = el("p", "loading-text", options.regenerate ? "Answering again…" : "Searching the papers…");
    reply.appendChild(status);
    // The question at the top of the view, so its answer appears below it and above the box.
    q.scrollIntoView({ block: "start" });

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
      again.addEventListener("click", function () {
        if (options.regenerate) { ask(text, null, { regenerate: true, question: q, reply: reply }); return; }
        q.remove(); reply.remove(); ask(text);
      });
      reply.appendChild(again);
      keepInView(reply);
    }

    function onEvent(name, data) {
      if (name === "meta") {
        var started = !state.conversationId && data.conversation_id;
        state.conversationId = data.conversation_id || state.conversationId;
        if (started) rememberConversation(state.conversationId);
        mode = data.mode;
        status.remove();
        reply.classList.remove("loading");
        reply.classList.add("streaming", "answer-" + mode);
        if (data.standalone_question) reply.appendChild(standaloneNote(data.standalone_question));
        para = el("div", "answer-text");
        reply.appendChild(para);
      } else if (name === "citations") {
        citations = data.citations || [];
        citations.forEach(function (c) { byNumber[c.n] = c; });
        renderSources(reply, citations, mode, answerText);
      } else if (name === "delta") {
        answer += data.text;
        renderAnswerText(para, answer, byNumber, answerText);
        keepInView(reply);
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
        if (!options.regenerate) state.turns += 1;
        var turn = { conversationId: state.conversationId, n: state.turns, question: text, answer: answer, citations: citations, feedback: null };
        answerTools(reply, turn, regenerateFor(text, q, reply));
        reply.classList.remove("streaming");
        reply.classList.add("done");
        keepInView(reply);
        loadHistory();
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
        if (err && err.status === 404 && sentConversation && !options.regenerate) {
          // The conversation is gone from the server (deleted elsewhere): ask again as a new one, and say so.
          startFresh(false);
          q.remove(); reply.remove();
          state.busy = false;
          handedOff = true;
          ask(text, "Your earlier conversation is no longer available, so this was asked as a new question.");
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

  function regenerateFor(text, q, reply) {
    return function () { ask(text, null, { regenerate: true, question: q, reply: reply }); };
  }

  function standaloneNote(standalone) {
    var note = el("p", "followup-note");
    note.appendChild(el("span", "followup-label", "Answered as: "));
    note.appendChild(el("q", null, standalone));
    return note;
  }

  /* Keep the end of a growing answer above the question box (which sticks to the bottom). */
  function keepInView(node) {
    var box = form.getBoundingClientRect(), r = node.getBoundingClientRect();
    if (r.bottom > box.top && r.top > 0) {
      window.scrollBy(0, Math.min(r.bottom - box.top + 8, r.top - 8));
    }
  }

  /* ---------- the question box ---------- */

  var questionCount = $("question-count"), questionError = $("question-error");

  function questionLimit() { return +question.dataset.limit || 1000; }

  function showQuestionError(text) {
    questionError.textContent = text;
    questionError.hidden = !text;
    if (text) question.setAttribute("aria-invalid", "true"); else question.removeAttribute("aria-invalid");
  }

  question.addEventListener("input", function () {
    var n = question.value.length, limit = questionLimit();
    questionCount.hidden = n < limit * 0.8;
    questionCount.textContent = n + " of " + limit + " characters";
    questionCount.classList.toggle("over", n > limit);
    if (n <= limit) showQuestionError("");
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = question.value;
    if (!text.trim()) { question.focus(); return; }
    if (state.busy) return;
    if (text.trim().length > questionLimit()) {
      showQuestionError("Your question is " + text.trim().length + " characters long: the limit is " + questionLimit() + ". Shorten it and ask again.");
      question.focus();
      return;
    }
    question.value = "";
    questionCount.hidden = true;
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

  // The box's height, for the page to scroll answers clear of it.
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      document.documentElement.style.setProperty("--ask-height", form.offsetHeight + "px");
    }).observe(form);
  }

  /* ---------- history: conversations kept by the server, per key or per browser ---------- */

  var historyList = $("history-list"), historyStatus = $("history-status"), historyBox = $("history");
  var CONVERSATION_STORE = "papers.conversation";

  function rememberConversation(id) {
    try { if (id) localStorage.setItem(CONVERSATION_STORE + "." + accessScope(), id); else localStorage.removeItem(CONVERSATION_STORE + "." + accessScope()); } catch (e) { /* private mode */ }
  }

  function rememberedConversation() {
    try { return localStorage.getItem(CONVERSATION_STORE + "." + accessScope()); } catch (e) { return null; }
  }

  /* Which caller the remembered conversation belongs to: the key's own short digest (never the
     key), or the browser's public access. */
  function accessScope() {
    var key = apiKey();
    if (!key) return "public";
    var h = 0;
    for (var i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
    return "k" + (h >>> 0).toString(36);
  }

  function startFresh(focus) {
    state.conversationId = null;
    state.turns = 0;
    rememberConversation(null);
    messages.textContent = "";
    emptyState.hidden = false;
    newConversation.hidden = true;
    closePanel(true);
    markCurrent();
    if (focus) question.focus();
  }

  function markCurrent() {
    Array.prototype.forEach.call(historyList.querySelectorAll(".history-open"), function (b) {
      if (b.dataset.id === state.conversationId) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
    });
  }

  function loadHistory() {
    return getJSON("/conversations").then(function (data) {
      var list = data.conversations || [];
      historyList.textContent = "";
      historyStatus.textContent = list.length ? "" : "Your conversations will be listed here.";
      $("history-count").textContent = list.length ? "(" + list.length + ")" : "";
      list.forEach(function (c) {
        var li = el("li", "history-item");
        var open = el("button", "history-open");
        open.type = "button";
        open.dataset.id = c.id;
        open.appendChild(el("span", "history-title", c.title || "Conversation"));
        open.appendChild(el("span", "history-when", formatDate(c.updated) + " · " + c.turns + (c.turns === 1 ? " question" : " questions")));
        open.addEventListener("click", function () { openConversation(c.id, true); });
        var del = el("button", "history-delete", "×");
        del.type = "button";
        del.setAttribute("aria-label", "Delete the conversation “" + (c.title || "Conversation") + "”");
        del.title = "Delete";
        del.addEventListener("click", function () { deleteConversation(c, li); });
        li.appendChild(open);
        li.appendChild(del);
        historyList.appendChild(li);
      });
      markCurrent();
    }, function (err) {
      historyStatus.textContent = "Past conversations could not be loaded (" + err.message + ").";
    });
  }

  function deleteConversation(c, li) {
    if (!window.confirm("Delete the conversation “" + (c.title || "Conversation") + "”? This cannot be undone.")) return;
    getJSON("/conversations/" + encodeURIComponent(c.id), { method: "DELETE" }).then(function () {
      var next = li.nextElementSibling || li.previousElementSibling;
      if (c.id === state.conversationId) startFresh(false);
      li.remove();
      historyStatus.textContent = "Conversation deleted.";
      var focusTo = next && next.querySelector(".history-open");
      if (focusTo) focusTo.focus(); else question.focus();
      loadHistory();
    }, function (err) { historyStatus.textContent = "The conversation could not be deleted: " + err.message; });
  }

  function showTurn(t, latest) {
    var q = addMessage("question-msg");
    q.appendChild(el("h2", "visually-hidden", "You asked"));
    q.appendChild(el("p", "question-text", t.hidden ? "(question hidden)" : t.question));
    var reply = addMessage("reply done answer-" + (t.mode || "extractive"));
    reply.appendChild(el("h2", "visually-hidden", "Answer"));
    if (t.hidden) {
      reply.appendChild(el("p", "answerer-note", "This answer drew on papers your access no longer covers, so it is not shown."));
      return;
    }
    if (t.standalone_question && t.standalone_question !== t.question) reply.appendChild(standaloneNote(t.standalone_question));
    var citations = t.citations || [], byNumber = {};
    citations.forEach(function (c) { byNumber[c.n] = c; });
    var answerText = function () { return t.answer; };
    var para = el("div", "answer-text");
    reply.appendChild(para);
    renderAnswerText(para, t.answer, byNumber, answerText);
    renderSources(reply, citations, t.mode, answerText);
    answerTools(reply, { conversationId: state.conversationId, n: t.n, question: t.question, answer: t.answer, citations: citations, feedback: t.feedback || null },
      latest ? regenerateFor(t.question, q, reply) : null);
  }

  function openConversation(id, focus) {
    if (state.busy) return Promise.resolve();
    return getJSON("/conversations/" + encodeURIComponent(id)).then(function (c) {
      messages.textContent = "";
      closePanel(true);
      state.conversationId = c.id;
      state.turns = (c.turns || []).length ? c.turns[c.turns.length - 1].n : 0;
      rememberConversation(c.id);
      emptyState.hidden = !!(c.turns || []).length;
      newConversation.hidden = false;
      (c.turns || []).forEach(function (t, i) { showTurn(t, i === c.turns.length - 1); });
      markCurrent();
      var last = messages.lastElementChild;
      if (last) last.scrollIntoView({ block: "end" });
      if (focus) question.focus();
      if (window.matchMedia("(max-width: 59.99rem)").matches) historyBox.open = false;
    }, function (err) {
      if (err.status === 404) { rememberConversation(null); loadHistory(); }
      historyStatus.textContent = err.status === 404 ? "That conversation is no longer available." : "The conversation could not be opened: " + err.message;
    });
  }

  newConversation.addEventListener("click", function () { startFresh(true); });


  /* ---------- Actions view ---------- */

  var actionsForm = $("actions-filters"), actionsBody = $("actions-body"), actionsSummary = $("actions-summary");
  var actionsExport = $("actions-export"), actionsExportStatus = $("actions-export-status");
  $("actions-as-of").value = AS_OF || "";

  // The rows shown (the last answer of GET /actions) and the query that fetched them: the export
  // asks for exactly those. The sort is the reader's and outlasts filter changes.
  var actionsShown = { data: null, query: "" };
  var actionsSort = { key: null, dir: "ascending" };
  var STATUS_ORDER = { open: 1, ongoing: 2, responded: 3, complete: 4 };
  // Each sortable column: its key for a row, and how the order is said. Rows without a value go
  // last whichever way the column is sorted.
  var SORTS = {
    due: { value: function (a) { return a.due_date || null; }, up: "earliest due first", down: "latest due first" },
    status: { value: function (a) { return a.overdue ? 0 : (STATUS_ORDER[a.status] || 5); }, up: "overdue first, then open to complete", down: "complete first" },
    committee: { value: function (a) { return a.committee ? shortCommittee(a.committee).toLowerCase() : null; }, up: "committee A to Z", down: "committee Z to A" },
    owner: { value: function (a) { return a.owner ? a.owner.toLowerCase() : null; }, up: "owner A to Z", down: "owner Z to A" }
  };
  var ACTION_COLUMNS = [
    { label: "Action", name: "action" },
    { label: "Committee", name: "committee", sort: "committee" },
    { label: "Owner", name: "owner", sort: "owner" },
    { label: "Due", name: "due", sort: "due" },
    { label: "Status", name: "status", sort: "status" },
    { label: "Source", name: "source" }
  ];

  function sortedActions(list) {
    var sort = SORTS[actionsSort.key];
    if (!sort) return list;
    var sign = actionsSort.dir === "descending" ? -1 : 1;
    // Array.prototype.sort is stable: rows that tie keep the listing's order (newest meeting first).
    return list.slice().sort(function (x, y) {
      var a = sort.value(x), b = sort.value(y);
      if (a === b) return 0;
      if (a === null) return 1;
      if (b === null) return -1;
      var c = typeof a === "number" ? a - b : String(a).localeCompare(String(b), "en-GB");
      return sign * c;
    });
  }

  function sortHeader(column) {
    var th = el("th", "col-" + column.name);
    th.scope = "col";
    if (!column.sort) { th.textContent = column.label; return th; }
    th.dataset.sort = column.sort;
    var active = actionsSort.key === column.sort;
    if (active) th.setAttribute("aria-sort", actionsSort.dir);
    var b = el("button", "sort-button");
    b.type = "button";
    b.dataset.sort = column.sort;
    b.appendChild(el("span", null, column.label));
    b.appendChild(el("span", "sort-icon", active ? (actionsSort.dir === "ascending" ? "▲" : "▼") : "↕")).setAttribute("aria-hidden", "true");
    th.appendChild(b);
    return th;
  }

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
    actionsShown.data = data;
    var list = data.actions || [];
    var overdue = list.filter(function (a) { return a.overdue; }).length;
    var sort = SORTS[actionsSort.key];
    actionsSummary.textContent = list.length + (list.length === 1 ? " action" : " actions") + " · " + overdue + " overdue · as of " + formatDate(data.as_of) +
      (sort && list.length > 1 ? " · sorted " + (actionsSort.dir === "ascending" ? sort.up : sort.down) : "");
    actionsExport.disabled = !list.length;
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
    ACTION_COLUMNS.forEach(function (column) { hr.appendChild(sortHeader(column)); });
    head.appendChild(hr);
    table.appendChild(head);
    var body = el("tbody");
    sortedActions(list).forEach(function (a) {
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
      var due = td("Due", a.due_date ? formatDate(a.due_date) : (a.due_text || "No date"), "due-cell");
      if (a.due_date) due.dataset.due = a.due_date;
      if (a.due_text && a.due_date && a.due_text.trim() !== formatDate(a.due_date)) due.title = "As written: " + a.due_text;
      tr.appendChild(due);
      tr.appendChild(actionStatus(a));
      var src = td("Source", "");
      var s = a.source || {};
      var open = el("button", "link-button", s.page ? "Page " + s.page : "Open paper");
      open.type = "button";
      open.setAttribute("aria-label", (s.page ? "Show page " + s.page + " of " : "Show ") + (s.source || "the paper"));
      open.addEventListener("click", (function (src, row, button) {
        return function () {
          openViewer({ document_id: src.document_id, chunk_id: src.chunk_id, page: src.page, source: src.source,
            title: src.title || src.source, body: src.body, committee: row.committee, meeting_date: row.meeting_date }, button);
        };
      })(s, a, open));
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
    actionsExport.disabled = true;
    actionsExportStatus.textContent = "";
    actionsBody.appendChild(stateBox("loading", "Loading actions…"));
    var asked = query.toString();
    getJSON("/actions?" + asked).then(function (data) { actionsShown.query = asked; renderActions(data); }, function (err) {
      actionsShown.data = null;
      actionsBody.textContent = "";
      actionsBody.appendChild(stateBox("error", "The actions could not be loaded.", err.message, { label: "Try again", run: loadActions }));
    });
  }

  /* ---------- decisions: the records, and one record's chain ---------- */

  var decisionsForm = $("decisions-filters"), decisionsBody = $("decisions-body"), decisionsSummary = $("decisions-summary");
  var chainBox = $("decision-chain"), chainBody = $("decision-chain-body");
  var KIND_LABELS = { recommendation: "Recommendation", resolution: "Resolution", decision: "Decision", noted: "Noted",
    deferred: "Deferred", called_in: "Called in", referred: "Referred on" };

  function clipped(text, n) { text = text || ""; return text.length > n ? text.slice(0, n).replace(/\s+\S*$/, "") + " …" : text; }

  function sourceButton(d, label) {
    var s = d.source || {};
    var open = el("button", "link-button", label || (s.page ? "Page " + s.page : "Open paper"));
    open.type = "button";
    open.setAttribute("aria-label", (s.page ? "Show page " + s.page + " of " : "Show ") + (s.label || s.source || "the paper"));
    open.addEventListener("click", function () {
      openViewer({ document_id: s.document_id, chunk_id: s.chunk_id, page: s.page, source: s.source, title: s.label || s.source,
        body: d.council || s.body, committee: d.body || d.committee, meeting_date: d.meeting_date }, open);
    });
    return open;
  }

  function renderDecisions(data) {
    var list = data.decisions || [];
    decisionsSummary.textContent = data.total + (data.total === 1 ? " record" : " records") + (list.length < data.total ? " · showing " + list.length : "");
    decisionsBody.textContent = "";
    if (!list.length) {
      decisionsBody.appendChild(stateBox("empty", "No decisions match.", "Try other words or another body, or clear the filters.", { label: "Clear filters", run: resetDecisions }));
      return;
    }
    var table = el("table", "actions-table decisions-table");
    table.appendChild(el("caption", "visually-hidden", "Recommendations and decisions, newest meeting first"));
    var head = el("thead"), hr = el("tr");
    ["Meeting", "Body", "Kind", "Reference", "What was decided", "Votes", "Source", "Chain"].forEach(function (h, i, all) {
      var th = el("th"); th.scope = "col";
      th.appendChild(i === all.length - 1 ? el("span", "visually-hidden", h) : document.createTextNode(h));
      hr.appendChild(th);
    });
    head.appendChild(hr);
    table.appendChild(head);
    var body = el("tbody");
    list.forEach(function (d) {
      var tr = el("tr");
      tr.appendChild(td("Meeting", d.meeting_date ? formatDate(d.meeting_date) : "No date"));
      tr.appendChild(td("Body", d.body || "Not recorded"));
      tr.appendChild(td("Kind", KIND_LABELS[d.kind] || d.kind));
      tr.appendChild(td("Reference", d.reference || "—"));
      var what = el("td", "action-cell");
      what.dataset.label = "What was decided";
      if (d.item_title) what.appendChild(el("span", "ref", clipped(d.item_title, 120)));
      what.appendChild(el("span", "action-text", clipped(d.text, 220)));
      tr.appendChild(what);
      tr.appendChild(td("Votes", d.votes && d.votes.summary ? d.votes.summary : "—"));
      var src = td("Source", "");
      src.appendChild(sourceButton(d));
      if (d.source && d.source.label) src.appendChild(el("span", "file-name", d.source.label));
      tr.appendChild(src);
      var act = td("Chain", "");
      var chain = el("button", "btn-secondary btn-small", "Chain");
      chain.type = "button";
      chain.setAttribute("aria-label", "What happened to it: " + clipped(d.text, 60));
      chain.addEventListener("click", function () { loadChain(d.id); });
      act.appendChild(chain);
      tr.appendChild(act);
      body.appendChild(tr);
    });
    table.appendChild(body);
    decisionsBody.appendChild(table);
  }

  function loadDecisions() {
    var f = new FormData(decisionsForm), query = new URLSearchParams();
    ["body", "kind", "reference", "q", "date_from", "date_to"].forEach(function (k) { var v = (f.get(k) || "").trim(); if (v) query.set(k, v); });
    query.set("limit", "200");
    decisionsSummary.textContent = "";
    decisionsBody.textContent = "";
    chainBox.hidden = true;
    decisionsBody.appendChild(stateBox("loading", "Loading decisions…"));
    getJSON("/decisions?" + query.toString()).then(renderDecisions, function (err) {
      decisionsBody.textContent = "";
      decisionsSummary.textContent = "The decisions could not be loaded: " + err.message;
      decisionsBody.appendChild(stateBox("error", "The decisions could not be loaded.", err.message, { label: "Try again", run: loadDecisions }));
    });
  }

  function loadChain(id) {
    chainBody.textContent = "";
    chainBox.hidden = false;
    chainBody.appendChild(stateBox("loading", "Following the records…"));
    getJSON("/decisions/" + encodeURIComponent(id)).then(function (data) {
      var chain = data.chain || { steps: [], gaps: [], links: [] };
      chainBody.textContent = "";
      var state = el("p", "chain-state");
      state.appendChild(el("strong", null, "Where it stands: " + (chain.state || "not recorded")));
      chainBody.appendChild(state);
      var ol = el("ol", "chain-steps");
      (chain.steps || []).forEach(function (step) {
        var li = el("li");
        var rec = step.decision || step.action || {};
        li.appendChild(el("span", "chain-when", step.meeting_date ? formatDate(step.meeting_date) : "No date"));
        li.appendChild(document.createTextNode(" — " + step.outcome + ": "));
        li.appendChild(el("q", null, clipped(step.decision ? rec.text : rec.action, 200)));
        if (rec.source && rec.source.document_id) { li.appendChild(document.createTextNode(" ")); li.appendChild(sourceButton(rec, "Source")); }
        ol.appendChild(li);
      });
      chainBody.appendChild(ol);
      (chain.gaps || []).forEach(function (g) { chainBody.appendChild(el("p", "chain-gap", g)); });
      if ((chain.links || []).length) chainBody.appendChild(el("p", "chain-links", "Linked by: " + chain.links.join(", ")));
      $("decision-chain-heading").focus();
    }, function (err) {
      chainBody.textContent = "";
      chainBody.appendChild(stateBox("error", "The chain could not be loaded.", err.message));
    });
  }

  function resetDecisions() {
    decisionsForm.reset();
    loadDecisions();
  }

  decisionsForm.addEventListener("submit", function (e) { e.preventDefault(); loadDecisions(); });
  $("decisions-reset").addEventListener("click", resetDecisions);

  function resetActions() {
    actionsForm.reset();
    $("actions-as-of").value = AS_OF || "";
    loadActions();
  }

  /* A header's sort button: sort by that column, or reverse the sort it already has. The rows are
     the ones loaded; the button keeps the focus across the redraw. */
  actionsBody.addEventListener("click", function (e) {
    var b = e.target.closest(".sort-button");
    if (!b || !actionsShown.data) return;
    var key = b.dataset.sort;
    actionsSort = { key: key, dir: actionsSort.key === key && actionsSort.dir === "ascending" ? "descending" : "ascending" };
    renderActions(actionsShown.data);
    var again = actionsBody.querySelector(".sort-button[data-sort='" + key + "']");
    if (again) again.focus();
  });

  /* Export CSV: the rows shown, as GET /actions/export.csv gives them for the same query. The key
     goes in a header, so the file is fetched here and saved through a Blob URL with a download
     name: it is data to save, never shown as a page. */
  function exportActions() {
    var rows = actionsShown.data ? (actionsShown.data.actions || []).length : 0;
    actionsExport.disabled = true;
    actionsExportStatus.textContent = "Preparing the CSV…";
    fetch("/actions/export.csv?" + actionsShown.query, { headers: headers({ Accept: "text/csv" }) })
      .catch(function () { throw { message: "Could not reach the service. Check your connection and try again." }; })
      .then(function (r) {
        if (!r.ok) return r.json().catch(function () { return null; }).then(function (body) { throw { message: errorText(r.status, body) }; });
        var named = /filename="([\w.-]+)"/.exec(r.headers.get("Content-Disposition") || "");
        return r.blob().then(function (blob) { return { blob: blob, name: named ? named[1] : "actions.csv" }; });
      })
      .then(function (file) {
        var url = URL.createObjectURL(new Blob([file.blob], { type: "text/csv" }));
        var save = el("a");
        save.href = url;
        save.download = file.name;
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        actionsExportStatus.textContent = "Saved " + file.name + ": " + rows + (rows === 1 ? " action." : " actions.");
      }, function (err) {
        actionsExportStatus.textContent = "The CSV could not be made: " + err.message;
      })
      .then(function () { actionsExport.disabled = !rows; });
  }

  actionsExport.addEventListener("click", exportActions);
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
      return !needle || [d.title, d.committee, d.committee_acronym, d.source, d.body].some(function (v) { return v && v.toLowerCase().indexOf(needle) >= 0; });
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
      if (isPdf(d.source)) {
        var openPaper = el("button", "link-button", d.title || d.source);
        openPaper.type = "button";
        openPaper.addEventListener("click", function () {
          openViewer({ document_id: d.id, chunk_id: null, page: 1, source: d.source, title: d.title, body: d.body, committee: d.committee, meeting_date: d.meeting_date }, openPaper);
        });
        paper.appendChild(openPaper);
      } else {
        paper.appendChild(fileLink(d.id, d.source, d.title || d.source));
      }
      if (d.title) paper.appendChild(el("span", "file-name", d.source));
      tr.appendChild(paper);
      var held = td("Committee", d.committee ? d.committee + (d.committee_acronym ? " (" + d.committee_acronym + ")" : "") : "Not recorded");
      if (d.body) held.appendChild(el("span", "file-name", d.body));
      tr.appendChild(held);
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
      var p = el("p", "field-error", err.status === 401 || err.status === 403 ? "Uploading needs an admin API key: enter one with the access button at the top right." : err.message);
      p.setAttribute("role", "alert");
      result.appendChild(p);
    }).then(function () { $("upload-button").disabled = false; });
  });

  /* ---------- start ---------- */

  /* The conversation this browser had open (per key), reopened after a reload. */
  function restoreConversation() {
    var id = rememberedConversation();
    loadHistory();
    if (id) openConversation(id, false);
  }

  renderDatesChip();
  if (window.matchMedia("(min-width: 70rem)").matches) historyBox.open = true;
  showView(currentView());
  loadCommittees();
  restoreConversation();
  if (apiKey()) checkKey().catch(function () { /* shown in the access panel */ });
  else showAccess(null);
})();
