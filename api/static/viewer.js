/* Committee Papers Assistant: the in-app viewer for a cited passage.

   A PDF is drawn by PDF.js (served by this app from /static/vendor/pdfjs, never from a CDN) onto
   canvases, page by page, with the passage's lines highlighted from the boxes recorded at ingest
   (GET /documents/{id}/passages/{chunk}) and PDF.js's text layer over it for selecting and
   finding text. The PDF's bytes are fetched with the caller's key, exactly as
   /documents/{id}/file allows, and parsed by PDF.js with scripting and eval off: the original is
   never rendered as a page of this origin. A paper that is not a PDF, or whose file the caller
   may not open (an exempt appendix travels with it), is shown as text: the passage in context
   between its neighbours. Untrusted text is only ever set with textContent. */
(function () {
  "use strict";

  var BASE = "/static/vendor/pdfjs/";
  var MIN_ZOOM = 0.5, MAX_ZOOM = 3;
  var pdfjs = null;          // a promise of the PDF.js module, loaded on first use
  var pdfjsModule = null;    // the module itself, once loaded
  var documents = {};        // "key|document id" -> a PDF.js document promise
  var view = null;           // what is open: {place, pdf, pages, first, last, zoom, opts}
  var dialog, titleEl, whereEl, statusEl, pagesEl, prevBtn, nextBtn, pageLabel, zoomIn, zoomOut, downloadEl, trigger = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function setStatus(text) { statusEl.textContent = text || ""; statusEl.hidden = !text; }

  function loadPdfjs() {
    if (!pdfjs) {
      pdfjs = import(BASE + "pdf.min.mjs").then(function (mod) {
        mod.GlobalWorkerOptions.workerSrc = BASE + "pdf.worker.min.mjs";
        return mod;
      });
      pdfjs.catch(function () { pdfjs = null; });
    }
    return pdfjs;
  }

  /* The PDF of a document, fetched with the caller's key (cached per key for the page's life). */
  function pdfDocument(documentId, opts) {
    var cacheKey = (opts.headers()["X-API-Key"] || "") + "|" + documentId;
    if (!documents[cacheKey]) {
      documents[cacheKey] = Promise.all([
        loadPdfjs(),
        fetch("/documents/" + encodeURIComponent(documentId) + "/file", { headers: opts.headers({ Accept: "application/pdf" }) })
          .then(function (r) {
            if (!r.ok) throw { status: r.status, message: "The original file could not be opened (HTTP " + r.status + ")." };
            return r.arrayBuffer();
          })
      ]).then(function (both) {
        return both[0].getDocument({
          data: new Uint8Array(both[1]),
          isEvalSupported: false,
          enableScripting: false,
          enableXfa: false,
          standardFontDataUrl: BASE + "standard_fonts/",
          cMapUrl: BASE + "cmaps/",
          cMapPacked: true,
          wasmUrl: BASE + "wasm/"
        }).promise;
      });
      documents[cacheKey].catch(function () { delete documents[cacheKey]; });
    }
    return documents[cacheKey];
  }

  function forget() { documents = {}; }

  /* ---------- the dialog ---------- */

  function build() {
    dialog = el("dialog", "viewer");
    dialog.id = "viewer";
    dialog.setAttribute("aria-labelledby", "viewer-title");
    var bar = el("div", "viewer-bar");
    var heading = el("div", "viewer-heading");
    titleEl = el("h2", "viewer-title");
    titleEl.id = "viewer-title";
    titleEl.tabIndex = -1;
    whereEl = el("p", "viewer-where");
    heading.appendChild(titleEl);
    heading.appendChild(whereEl);
    bar.appendChild(heading);
    var tools = el("div", "viewer-tools");
    prevBtn = button("‹", "Previous page", function () { move(-1); });
    pageLabel = el("span", "viewer-page");
    pageLabel.setAttribute("aria-live", "polite");
    nextBtn = button("›", "Next page", function () { move(1); });
    zoomOut = button("−", "Zoom out", function () { zoom(1 / 1.25); });
    zoomIn = button("+", "Zoom in", function () { zoom(1.25); });
    downloadEl = el("a", "viewer-download", "Download");
    downloadEl.href = "#";
    var close = button("×", "Close the viewer", function () { dialog.close(); });
    close.classList.add("viewer-close");
    [prevBtn, pageLabel, nextBtn, zoomOut, zoomIn, downloadEl, close].forEach(function (n) { tools.appendChild(n); });
    bar.appendChild(tools);
    dialog.appendChild(bar);
    statusEl = el("p", "viewer-status");
    statusEl.setAttribute("role", "status");
    statusEl.hidden = true;
    dialog.appendChild(statusEl);
    pagesEl = el("div", "viewer-pages");
    pagesEl.id = "viewer-pages";
    pagesEl.tabIndex = 0;
    pagesEl.setAttribute("aria-label", "Pages of the paper");
    dialog.appendChild(pagesEl);
    dialog.addEventListener("close", function () {
      pagesEl.textContent = "";
      view = null;
      document.body.classList.remove("viewer-open");
      if (trigger && document.body.contains(trigger)) trigger.focus();
      trigger = null;
    });
    dialog.addEventListener("keydown", function (e) {
      if (!view || !view.pdf || e.target.closest("input, textarea")) return;
      if (e.key === "PageDown" || (e.key === "ArrowRight" && e.altKey)) { e.preventDefault(); move(1); }
      else if (e.key === "PageUp" || (e.key === "ArrowLeft" && e.altKey)) { e.preventDefault(); move(-1); }
    });
    document.body.appendChild(dialog);
  }

  function button(text, label, onClick) {
    var b = el("button", "viewer-btn", text);
    b.type = "button";
    b.setAttribute("aria-label", label);
    b.title = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function pageText() {
    if (!view || !view.pdf) return "";
    var span = view.first === view.last ? "Page " + view.first : "Pages " + view.first + "–" + view.last;
    return span + " of " + view.pdf.numPages;
  }

  function updateTools() {
    var pdf = view && view.pdf;
    prevBtn.hidden = nextBtn.hidden = zoomIn.hidden = zoomOut.hidden = !pdf;
    pageLabel.textContent = pageText();
    if (pdf) {
      prevBtn.disabled = view.first <= 1;
      nextBtn.disabled = view.last >= pdf.numPages;
      zoomOut.disabled = view.zoom <= MIN_ZOOM;
      zoomIn.disabled = view.zoom >= MAX_ZOOM;
    }
  }

  /* ---------- PDF pages ---------- */

  function renderPages() {
    var pdf = view.pdf, token = view.token = {};
    pagesEl.textContent = "";
    var width = Math.max(240, pagesEl.clientWidth - 24);
    var chain = Promise.resolve();
    for (var n = view.first; n <= view.last; n++) {
      (function (number) {
        var holder = el("div", "pdf-page");
        holder.dataset.page = String(number);
        holder.setAttribute("role", "group");
        holder.setAttribute("aria-label", "Page " + number + (boxesOn(number).length ? ", with the cited passage highlighted" : ""));
        pagesEl.appendChild(holder);
        chain = chain.then(function () {
          if (view === null || view.token !== token) return null;
          return pdf.getPage(number).then(function (page) { return drawPage(page, holder, width, token); });
        });
      })(n);
    }
    updateTools();
    return chain.then(function () {
      if (view === null || view.token !== token) return;
      var first = pagesEl.querySelector(".hl");
      if (first) first.scrollIntoView({ block: "center" });
      else pagesEl.scrollTop = 0;
      dialog.dataset.rendered = view.first + "-" + view.last;
    });
  }

  function boxesOn(number) {
    return ((view && view.place && view.place.boxes) || []).filter(function (b) { return b.page === number; });
  }

  function drawPage(page, holder, width, token) {
    var base = page.getViewport({ scale: 1 });
    var scale = (width / base.width) * view.zoom;
    var viewport = page.getViewport({ scale: scale });
    var ratio = window.devicePixelRatio || 1;
    holder.style.width = Math.floor(viewport.width) + "px";
    holder.style.height = Math.floor(viewport.height) + "px";
    holder.style.setProperty("--scale-factor", String(scale));
    holder.style.setProperty("--total-scale-factor", String(scale));
    var canvas = el("canvas");
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = Math.floor(viewport.width) + "px";
    canvas.style.height = Math.floor(viewport.height) + "px";
    holder.appendChild(canvas);
    var marks = el("div", "hl-layer");
    marks.setAttribute("aria-hidden", "true");
    boxesOn(+holder.dataset.page).forEach(function (b) {
      var mark = el("div", "hl");
      // A little room round each line, as a highlighter pen leaves.
      mark.style.left = (b.x0 * 100 - 0.3) + "%";
      mark.style.top = (b.y0 * 100 - 0.15) + "%";
      mark.style.width = ((b.x1 - b.x0) * 100 + 0.6) + "%";
      mark.style.height = ((b.y1 - b.y0) * 100 + 0.3) + "%";
      marks.appendChild(mark);
    });
    holder.appendChild(marks);
    var textLayer = el("div", "textLayer");
    holder.appendChild(textLayer);
    var transform = ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null;
    return page.render({ canvasContext: canvas.getContext("2d"), viewport: viewport, transform: transform }).promise.then(function () {
      if (view === null || view.token !== token) return;
      var layer = new pdfjsModule.TextLayer({ textContentSource: page.streamTextContent(), container: textLayer, viewport: viewport });
      return layer.render();
    });
  }

  function move(step) {
    if (!view || !view.pdf) return;
    var n = step < 0 ? view.first - 1 : view.last + 1;
    if (n < 1 || n > view.pdf.numPages) return;
    view.first = view.last = n;
    renderPages().then(function () { pagesEl.scrollTop = 0; });
  }

  function zoom(factor) {
    if (!view || !view.pdf) return;
    view.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.zoom * factor));
    renderPages();
  }

  /* ---------- text (a paper that is not a PDF, or a file the caller may not open) ---------- */

  function renderText(place, reason) {
    pagesEl.textContent = "";
    var box = el("div", "text-context");
    if (reason) box.appendChild(el("p", "viewer-note", reason));
    function part(p, className) {
      var div = el("div", "context-part " + className);
      if (p.page) div.appendChild(el("p", "context-page", "Page " + p.page));
      if (p.section) div.appendChild(el("p", "context-section", p.section));
      var text = el(className === "context-cited" ? "mark" : "p", "context-text", p.text);
      div.appendChild(text);
      return div;
    }
    place.before.forEach(function (p) { box.appendChild(part(p, "context-near")); });
    box.appendChild(part(place, "context-cited"));
    place.after.forEach(function (p) { box.appendChild(part(p, "context-near")); });
    pagesEl.appendChild(box);
    updateTools();
    var cited = box.querySelector(".context-cited");
    if (cited) cited.scrollIntoView({ block: "center" });
    dialog.dataset.rendered = "text";
  }

  /* ---------- opening ---------- */

  /* opts: {documentId, chunkId, page, title, where, fileName, headers(extra), download(a)} */
  function open(opts, from) {
    if (!dialog) build();
    trigger = from || document.activeElement;
    view = { place: null, pdf: null, first: opts.page || 1, last: opts.page || 1, zoom: 1, opts: opts, token: {} };
    var current = view;
    titleEl.textContent = opts.title || opts.fileName || "Paper";
    whereEl.textContent = opts.where || "";
    pagesEl.textContent = "";
    delete dialog.dataset.rendered;
    downloadEl.hidden = true;
    setStatus("Opening the paper…");
    updateTools();
    document.body.classList.add("viewer-open");
    if (!dialog.open) dialog.showModal();
    titleEl.focus();

    // Without a passage (a paper opened from a list) the viewer opens the PDF at a page.
    var placed = !opts.chunkId
      ? Promise.resolve({ boxes: [], pages: [opts.page || 1], pdf: !!opts.pdf, file: true, before: [], after: [], text: "", ocr: false })
      : fetch("/documents/" + encodeURIComponent(opts.documentId) + "/passages/" + encodeURIComponent(opts.chunkId), { headers: opts.headers() })
        .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (body) {
          if (!r.ok) throw { status: r.status, message: (body && typeof body.detail === "string" ? body.detail : "HTTP " + r.status) };
          return body;
        });
      });
    return placed
      .then(function (place) {
        if (view !== current) return;
        view.place = place;
        if (place.file && opts.download) { downloadEl = opts.download(downloadEl) || downloadEl; downloadEl.hidden = false; }
        if (!place.pdf || !place.file) {
          setStatus("");
          renderText(place, place.pdf
            ? "The original file is not available to you (part of it is above your access), so the passage is shown in its context as text."
            : "This paper is not a PDF, so the passage is shown in its context as text.");
          return;
        }
        if (place.pages.length) { view.first = place.pages[0]; view.last = place.pages[place.pages.length - 1]; }
        return pdfDocument(opts.documentId, opts).then(function (pdf) {
          return loadPdfjs().then(function (mod) { pdfjsModule = mod; return pdf; });
        }).then(function (pdf) {
          if (view !== current) return;
          view.pdf = pdf;
          view.last = Math.min(view.last, pdf.numPages);
          view.first = Math.min(view.first, view.last);
          setStatus(!opts.chunkId ? "" : place.boxes.length ? (place.ocr ? "The page was read by OCR: the highlight follows the words as read, which may hold misreadings." : "")
            : "The passage could not be placed exactly on the page, so it is not highlighted; it starts on this page.");
          return renderPages();
        }, function (err) {
          if (view !== current) return;
          if (!opts.chunkId) throw err;
          setStatus("");
          renderText(place, "The page viewer could not show this PDF (" + ((err && err.message) || "an error") + "), so the passage is shown in its context as text.");
        });
      })
      .catch(function (err) {
        if (view !== current) return;
        setStatus("");
        pagesEl.textContent = "";
        var box = el("div", "state state-error");
        box.setAttribute("role", "alert");
        box.appendChild(el("p", "state-title", "The passage could not be opened."));
        box.appendChild(el("p", "state-text", err && err.status === 404
          ? "It is no longer available to you: the paper may have been removed, or your access changed."
          : (err && err.message) || "Try again in a moment."));
        pagesEl.appendChild(box);
        dialog.dataset.rendered = "error";
      });
  }

  window.PapersViewer = { open: open, forget: forget };
})();
