/* Committee Papers Assistant: chat page. Vanilla JS; all untrusted text goes in via textContent. */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  var form = $("ask-form"), question = $("question"), askButton = $("ask-button");
  var conversation = $("conversation"), emptyState = $("empty-state");
  var committeeSelect = $("committee"), dateFrom = $("date-from"), dateTo = $("date-to");
  var layout = $("layout"), panel = $("citation-panel"), panelHeading = $("panel-heading");
  var panelBody = $("panel-body"), panelClose = $("panel-close");
  var busy = false, lastTrigger = null;

  /* Create an element with a class and optional text (always set as text, never HTML). */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function formatDate(iso) {
    if (!iso) return "";
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(iso));
    if (!m) return String(iso);
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  /* ---------- Committee filter ---------- */
  function loadCommittees() {
    fetch("/documents", { headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        var seen = {};
        (data.documents || []).forEach(function (d) { if (d && d.committee) seen[d.committee] = true; });
        Object.keys(seen).sort(function (a, b) { return a.localeCompare(b); }).forEach(function (name) {
          var opt = el("option", null, name);
          opt.value = name;
          committeeSelect.appendChild(opt);
        });
      })
      .catch(function () {
        var note = $("filters-note");
        note.textContent = "Could not load the committee list; you can still search all committees.";
        note.hidden = false;
      });
  }

  /* ---------- Citation panel ---------- */
  function openCitation(c, trigger) {
    lastTrigger = trigger || null;
    panelHeading.textContent = "Source [" + c.n + "]";
    panelBody.textContent = "";
    if (c.title) panelBody.appendChild(el("h3", "panel-title", c.title));
    var dl = el("dl", "meta");
    [["Source file", c.source], ["Committee", c.committee],
     ["Meeting date", formatDate(c.meeting_date)], ["Page", c.page]].forEach(function (row) {
      if (row[1] === null || row[1] === undefined || row[1] === "") return;
      dl.appendChild(el("dt", null, row[0]));
      dl.appendChild(el("dd", null, row[1]));
    });
    panelBody.appendChild(dl);
    panelBody.appendChild(el("h3", "passage-label", "Passage"));
    panelBody.appendChild(el("blockquote", "passage", c.text || ""));
    panel.hidden = false;
    layout.classList.add("panel-open");
    panel.scrollTop = 0;
    panelHeading.focus();
  }

  function closePanel() {
    if (panel.hidden) return;
    panel.hidden = true;
    layout.classList.remove("panel-open");
    if (lastTrigger && document.body.contains(lastTrigger)) lastTrigger.focus();
    lastTrigger = null;
  }

  panelClose.addEventListener("click", closePanel);
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.hidden) { e.preventDefault(); closePanel(); }
  });

  function citeButton(c, label, className) {
    var b = el("button", className || "cite", label);
    b.type = "button";
    b.setAttribute("aria-controls", "citation-panel");
    b.setAttribute("aria-label", "Show source " + c.n + (c.title ? ": " + c.title : ""));
    b.addEventListener("click", function () { openCitation(c, b); });
    return b;
  }

  /* ---------- Rendering ---------- */
  function addMessage(className) {
    if (emptyState) { emptyState.remove(); emptyState = null; }
    var msg = el("article", "message " + className);
    conversation.appendChild(msg);
    return msg;
  }

  function reveal(node) {
    if (node.scrollIntoView) node.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  /* Answer text with each [n] marker turned into a button for citation n. */
  function renderAnswerText(container, text, byNumber) {
    var re = /\[(\d+)\]/g, last = 0, m;
    text = String(text || "");
    while ((m = re.exec(text)) !== null) {
      var c = byNumber[m[1]];
      if (!c) continue;
      if (m.index > last) container.appendChild(document.createTextNode(text.slice(last, m.index)));
      container.appendChild(citeButton(c, "[" + c.n + "]"));
      last = re.lastIndex;
    }
    if (last < text.length) container.appendChild(document.createTextNode(text.slice(last)));
  }

  function sourceSummary(c) {
    var parts = [];
    if (c.committee) parts.push(c.committee);
    if (c.meeting_date) parts.push(formatDate(c.meeting_date));
    if (c.page !== null && c.page !== undefined) parts.push("p. " + c.page);
    return (c.source || c.title || c.document_id || "") + (parts.length ? " — " + parts.join(", ") : "");
  }

  function renderAnswer(msg, data) {
    var citations = Array.isArray(data.citations) ? data.citations : [];
    var byNumber = {};
    citations.forEach(function (c) { byNumber[c.n] = c; });
    var notFound = data.mode === "not_found";
    msg.classList.add(notFound ? "answer-not-found" : data.mode === "actions" ? "answer-actions" : "answer-extractive");
    msg.appendChild(el("h2", "visually-hidden", "Answer"));
    var p = el("p", "answer-text");
    renderAnswerText(p, data.answer, byNumber);
    msg.appendChild(p);
    if (!citations.length) return;
    msg.appendChild(el("h3", "sources-heading", notFound ? "Closest passages" : "Sources"));
    var list = el("ol", "sources");
    citations.forEach(function (c) {
      var li = el("li", "source");
      li.appendChild(citeButton(c, "[" + c.n + "]", "cite cite-source"));
      li.appendChild(document.createTextNode(" " + sourceSummary(c)));
      list.appendChild(li);
    });
    msg.appendChild(list);
  }

  function errorText(status, body) {
    var d = body && body.detail;
    if (Array.isArray(d)) d = d.map(function (x) { return (x && x.msg) || String(x); }).join("; ");
    if (typeof d === "string" && d) return d;
    return "The service returned an error (HTTP " + status + ").";
  }

  /* ---------- Asking ---------- */
  function ask(text) {
    text = text.trim();
    if (!text || busy) return;
    busy = true;
    askButton.disabled = true;
    form.setAttribute("aria-busy", "true");

    var q = addMessage("question-msg");
    q.appendChild(el("h2", "visually-hidden", "Your question"));
    q.appendChild(el("p", null, text));

    var reply = addMessage("reply loading");
    var status = el("p", "loading-text", "Searching the papers…");
    reply.appendChild(status);
    reveal(reply);

    var payload = { question: text };
    if (committeeSelect.value) payload.committee = committeeSelect.value;
    if (dateFrom.value) payload.date_from = dateFrom.value;
    if (dateTo.value) payload.date_to = dateTo.value;

    fetch("/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload)
    })
      .catch(function () {
        throw { api: true, message: "Could not reach the service. Check your connection and try again." };
      })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (!r.ok) throw { api: true, message: errorText(r.status, body) };
          if (!body || typeof body.answer !== "string") throw { api: true, message: "The service returned an unexpected response." };
          return body;
        });
      })
      .then(function (data) {
        reply.classList.remove("loading");
        reply.textContent = "";
        renderAnswer(reply, data);
      })
      .catch(function (err) {
        reply.classList.remove("loading");
        reply.classList.add("error");
        reply.textContent = "";
        var msg = err && err.api ? err.message : "the answer could not be displayed.";
        var p = el("p", "error-text", "Sorry, that didn't work: " + msg);
        p.setAttribute("role", "alert");
        reply.appendChild(p);
      })
      .then(function () {
        busy = false;
        askButton.disabled = false;
        form.removeAttribute("aria-busy");
        reveal(reply);
      });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = question.value;
    if (!text.trim() || busy) { question.focus(); return; }
    question.value = "";
    ask(text);
    question.focus();
  });

  question.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  Array.prototype.forEach.call(document.querySelectorAll("#examples .example"), function (b) {
    b.addEventListener("click", function () {
      question.value = b.textContent;
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    });
  });

  loadCommittees();
})();
