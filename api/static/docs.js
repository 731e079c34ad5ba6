/* The API reference: /openapi.json rendered as a plain page, with nothing from the network but
   this app (the stock /docs page loads its scripts from a CDN). Text is set with textContent. */
(function () {
  "use strict";
  var status = document.getElementById("docs-status");
  var list = document.getElementById("endpoints");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function schemaName(schema) {
    if (!schema) return "";
    if (schema.$ref) return schema.$ref.split("/").pop();
    if (schema.type === "array") return "array of " + schemaName(schema.items);
    if (schema.anyOf) return schema.anyOf.map(schemaName).join(" or ");
    return schema.type || "";
  }

  function table(headings, rows) {
    var t = el("table");
    var head = el("tr");
    headings.forEach(function (h) { var th = el("th", null, h); th.scope = "col"; head.appendChild(th); });
    t.appendChild(head);
    rows.forEach(function (r) {
      var tr = el("tr");
      r.forEach(function (cell) { tr.appendChild(el("td", null, cell)); });
      t.appendChild(tr);
    });
    return t;
  }

  function endpoint(path, method, op) {
    var box = el("section", "endpoint");
    var h = el("h2");
    h.appendChild(el("span", "method", method.toUpperCase()));
    h.appendChild(el("span", "path", path));
    box.appendChild(h);
    if (op.description || op.summary) box.appendChild(el("p", null, op.description || op.summary));
    var params = (op.parameters || []).map(function (p) {
      return [p.name + (p.required ? " (required)" : ""), p["in"], schemaName(p.schema), (p.description || "")];
    });
    if (params.length) box.appendChild(table(["parameter", "in", "type", "meaning"], params));
    var body = op.requestBody && op.requestBody.content;
    if (body) {
      var kinds = Object.keys(body).map(function (k) { return [k, schemaName(body[k].schema)]; });
      box.appendChild(table(["request body", "schema"], kinds));
    }
    var responses = Object.keys(op.responses || {}).map(function (code) {
      var content = op.responses[code].content || {};
      var first = Object.keys(content)[0];
      return [code, op.responses[code].description || "", first ? first + " " + schemaName(content[first].schema) : ""];
    });
    if (responses.length) box.appendChild(table(["status", "meaning", "body"], responses));
    return box;
  }

  fetch("/openapi.json", { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (spec) {
      var count = 0;
      Object.keys(spec.paths).sort().forEach(function (path) {
        Object.keys(spec.paths[path]).forEach(function (method) {
          list.appendChild(endpoint(path, method, spec.paths[path][method]));
          count += 1;
        });
      });
      status.textContent = count + " endpoints, version " + spec.info.version + ".";
    })
    .catch(function (err) { status.textContent = "The API description could not be loaded (" + err.message + ")."; });
})();
