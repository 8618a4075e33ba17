/* Postmortem knowledge base: sortable tables, plotly charts and the incident explorer.
 * Everything runs from Material's document$ so it works after instant navigation; data comes
 * from data-* attributes and JSON files, never from inline scripts. Text is only ever set with
 * textContent. */
(function () {
  "use strict";
  var loaded = {};

  function loadScript(src) {
    if (!loaded[src]) {
      loaded[src] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = src; s.onload = resolve;
        s.onerror = function () { reject(new Error("could not load " + src)); };
        document.head.appendChild(s);
      });
    }
    return loaded[src];
  }

  /* ---- sortable tables ---------------------------------------------------------------- */
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var v = cell.getAttribute("data-sort");
    return v !== null ? v : cell.textContent.trim();
  }
  var FOLD = 100;  /* rows shown at first, and added by each "Show more" */
  function fold(table) {
    var rows = table.tBodies[0] ? table.tBodies[0].rows : [];
    var shown = table._pmShown || FOLD;
    Array.prototype.forEach.call(rows, function (r, i) { r.classList.toggle("pm-folded-row", i >= shown); });
    var hidden = Math.max(0, rows.length - shown);
    var button = table._pmMore;
    if (!hidden) { if (button) button.remove(); table._pmMore = null; return; }
    if (!button) {
      button = table._pmMore = document.createElement("button");
      button.type = "button";
      button.className = "pm-show-more";
      button.addEventListener("click", function () { table._pmShown = shown + FOLD; fold(table); });
      var wrap = table.closest(".md-typeset__scrollwrap") || table;
      wrap.parentNode.insertBefore(button, wrap.nextSibling);
    }
    button.textContent = "Show " + Math.min(FOLD, hidden) + " more (" + hidden + " not shown)";
  }
  function sortBy(table, th, index) {
    var asc = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(th.parentNode.cells, function (c) {
      if (!c.hasAttribute("aria-sort")) return;
      c.setAttribute("aria-sort", "none");
      var state = c.querySelector(".pm-sort__state");
      if (state) state.textContent = "↕";
    });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    th.querySelector(".pm-sort__state").textContent = asc ? "▲" : "▼";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      var nx = parseFloat(x), ny = parseFloat(y);
      var cmp = (!isNaN(nx) && !isNaN(ny) && String(nx) === x.replace(/\.0+$/, "") && String(ny) === y.replace(/\.0+$/, ""))
        ? nx - ny : x.localeCompare(y);
      return asc ? cmp : -cmp;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    fold(table);
  }
  /* Each header becomes a <button> (reachable and usable by keyboard) inside a th carrying
     aria-sort; the visible arrow says the same as aria-sort. */
  function makeSortable(table) {
    if (table.dataset.pmSortable) return;
    table.dataset.pmSortable = "1";
    var rowCount = table.tBodies[0] ? table.tBodies[0].rows.length : 0;
    Array.prototype.forEach.call(table.tHead && rowCount > 1 ? table.tHead.rows[0].cells : [], function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "pm-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      var state = document.createElement("span");
      state.className = "pm-sort__state";
      state.setAttribute("aria-hidden", "true");
      state.textContent = "↕";
      button.appendChild(state);
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () { sortBy(table, th, index); });
    });
  }

  /* ---- charts ------------------------------------------------------------------------- */
  function palette() {
    var style = getComputedStyle(document.body);
    var fg = style.getPropertyValue("--md-default-fg-color").trim() || "#333";
    var grid = style.getPropertyValue("--md-default-fg-color--lightest").trim() || "#ddd";
    return { fg: fg, grid: grid };
  }
  function themed(layout) {
    var p = palette();
    var out = Object.assign({}, layout, {
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      font: Object.assign({}, layout.font || {}, { color: p.fg }),
    });
    ["xaxis", "yaxis"].forEach(function (axis) {
      out[axis] = Object.assign({}, layout[axis] || {}, { gridcolor: p.grid, zerolinecolor: p.grid });
    });
    return out;
  }
  function drawCharts() {
    var charts = document.querySelectorAll(".pm-chart[data-pm-chart]");
    if (!charts.length) return;
    loadScript(charts[0].getAttribute("data-pm-plotly")).then(function () {
      Array.prototype.forEach.call(charts, function (el) {
        var fig = JSON.parse(el.getAttribute("data-pm-chart"));
        el._pmLayout = fig.layout || {};
        window.Plotly.newPlot(el, fig.data, themed(el._pmLayout), { displaylogo: false, displayModeBar: false, responsive: true })
          .then(function () { el.setAttribute("data-pm-drawn", "1"); });
      });
    }).catch(function (err) { console.warn(err.message); });
  }
  new MutationObserver(function () {
    if (!window.Plotly) return;
    Array.prototype.forEach.call(document.querySelectorAll(".pm-chart[data-pm-drawn]"), function (el) {
      window.Plotly.relayout(el, themed(el._pmLayout));
    });
  }).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });

  /* ---- explorer ----------------------------------------------------------------------- */
  var FACETS = [
    ["severity", "Severity", function (r) { return [r.severity]; }],
    ["service", "Service", function (r) { return r.services; }],
    ["team", "Team", function (r) { return r.teams; }],
    ["factor", "Contributing factor", function (r) { return r.factors; }],
    ["trigger", "Trigger", function (r) { return r.trigger ? [r.trigger] : []; }],
    ["status", "Status", function (r) { return [r.status]; }],
  ];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function Explorer(root) {
    this.root = root;
    this.form = root.querySelector("form");
    this.facetBox = root.querySelector(".pm-explorer__facets");
    this.results = root.querySelector(".pm-explorer__results");
    var self = this;
    Promise.all([
      fetch(root.getAttribute("data-pm-data")).then(function (r) { return r.json(); }),
      fetch(root.getAttribute("data-pm-index")).then(function (r) { return r.json(); }),
      loadScript(root.getAttribute("data-pm-lunr")),
    ]).then(function (parts) {
      self.data = parts[0];
      self.index = parts[1] && parts[1].fields ? window.lunr.Index.load(parts[1]) : null;
      self.byId = {};
      self.data.records.forEach(function (r) { self.byId[r.id] = r; });
      self.readState();
      self.bind();
      self.render();
    }).catch(function (err) {
      self.results.textContent = "The explorer could not load its data: " + err.message;
    });
  }

  Explorer.prototype.readState = function () {
    var params = new URLSearchParams(window.location.search);
    this.state = { q: params.get("q") || "", from: params.get("from") || "", to: params.get("to") || "", facets: {} };
    var state = this.state;
    FACETS.forEach(function (f) { state.facets[f[0]] = params.getAll(f[0]); });
    this.form.elements.q.value = state.q;
    this.form.elements.from.value = state.from;
    this.form.elements.to.value = state.to;
  };

  Explorer.prototype.writeState = function () {
    var params = new URLSearchParams();
    var s = this.state;
    if (s.q) params.set("q", s.q);
    if (s.from) params.set("from", s.from);
    if (s.to) params.set("to", s.to);
    FACETS.forEach(function (f) { s.facets[f[0]].forEach(function (v) { params.append(f[0], v); }); });
    var query = params.toString();
    history.replaceState(history.state, "", window.location.pathname + (query ? "?" + query : ""));
  };

  Explorer.prototype.bind = function () {
    var self = this;
    var timer = null;
    this.form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        self.state.q = self.form.elements.q.value.trim();
        self.state.from = self.form.elements.from.value;
        self.state.to = self.form.elements.to.value;
        self.render();
      }, 120);
    });
    this.form.addEventListener("reset", function () {
      setTimeout(function () {
        self.state = { q: "", from: "", to: "", facets: {} };
        FACETS.forEach(function (f) { self.state.facets[f[0]] = []; });
        self.render();
      }, 0);
    });
    this.facetBox.addEventListener("change", function (event) {
      var box = event.target;
      var list = self.state.facets[box.name];
      var at = list.indexOf(box.value);
      if (box.checked && at < 0) list.push(box.value);
      if (!box.checked && at >= 0) list.splice(at, 1);
      self.render();
    });
  };

  Explorer.prototype.textMatches = function () {
    var q = this.state.q;
    if (!q || !this.index) return null;
    var tokens = window.lunr.tokenizer(q);
    if (!tokens.length) return null;
    var hits = this.index.query(function (query) {
      tokens.forEach(function (token) {
        query.term(token.toString(), { presence: window.lunr.Query.presence.REQUIRED });
      });
    });
    var scores = {};
    hits.forEach(function (h) { scores[h.ref] = h.score; });
    return scores;
  };

  Explorer.prototype.matches = function (record, scores, except) {
    var s = this.state;
    if (scores && !(record.id in scores)) return false;
    if (s.from && record.started < s.from) return false;
    if (s.to && record.started > s.to) return false;
    for (var i = 0; i < FACETS.length; i++) {
      var name = FACETS[i][0];
      if (name === except) continue;
      var wanted = s.facets[name];
      if (wanted.length && !FACETS[i][2](record).some(function (v) { return wanted.indexOf(v) >= 0; })) return false;
    }
    return true;
  };

  Explorer.prototype.render = function () {
    var self = this;
    var scores = this.textMatches();
    var records = this.data.records;
    var shown = records.filter(function (r) { return self.matches(r, scores, null); });
    if (scores) shown.sort(function (a, b) { return scores[b.id] - scores[a.id]; });
    else shown.sort(function (a, b) { return a.started < b.started ? 1 : a.started > b.started ? -1 : 0; });
    this.renderFacets(scores);
    this.renderResults(shown);
    this.writeState();
  };

  Explorer.prototype.renderFacets = function (scores) {
    var self = this;
    var box = this.facetBox;
    box.textContent = "";
    FACETS.forEach(function (facet) {
      var name = facet[0];
      var counts = {};
      self.data.records.forEach(function (r) {
        facet[2](r).forEach(function (v) { if (!(v in counts)) counts[v] = 0; });
        if (!self.matches(r, scores, name)) return;
        facet[2](r).forEach(function (v) { counts[v] += 1; });
      });
      var values = Object.keys(counts);
      if (name === "severity") values.sort(); else values.sort(function (a, b) { return counts[b] - counts[a] || a.localeCompare(b); });
      var group = el("div", { class: "pm-facet", "data-facet": name });
      group.appendChild(el("h3", {}, facet[1]));
      values.forEach(function (v) {
        var label = el("label", counts[v] ? {} : { class: "pm-zero" });
        var input = el("input", { type: "checkbox", name: name, value: v });
        input.checked = self.state.facets[name].indexOf(v) >= 0;
        label.appendChild(input);
        label.appendChild(el("span", {}, v));
        label.appendChild(el("span", { class: "pm-count" }, String(counts[v])));
        group.appendChild(label);
      });
      box.appendChild(group);
    });
  };

  Explorer.prototype.renderResults = function (shown) {
    var base = this.root.getAttribute("data-pm-base");
    var box = this.results;
    box.textContent = "";
    box.appendChild(el("p", { class: "pm-explorer__count" }, shown.length + " of " + this.data.records.length + " postmortems"));
    shown.slice(0, 200).forEach(function (r) {
      var item = el("article", { class: "pm-result", "data-id": r.id });
      var title = el("a", { href: base.replace(/\/?$/, "/") + r.url }, r.id + ": " + r.title);
      var head = el("div");
      var sev = el("span", { class: "pm-sev pm-sev--" + r.severity.toLowerCase() }, r.severity);
      head.appendChild(sev); head.appendChild(document.createTextNode(" ")); head.appendChild(title);
      item.appendChild(head);
      var meta = [r.started, r.services.join(", "), r.teams.join(", ")];
      if (r.factors.length) meta.push(r.factors.join(", "));
      if (r.repeat) meta.push("repeat");
      item.appendChild(el("div", { class: "pm-result__meta" }, meta.join(" · ")));
      if (r.summary) item.appendChild(el("p", {}, r.summary));
      box.appendChild(item);
    });
    if (shown.length > 200) box.appendChild(el("p", {}, "Showing the first 200: narrow the search to see the rest."));
  };

  function setup() {
    Array.prototype.forEach.call(document.querySelectorAll("table.pm-sortable"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("table.pm-table"), function (t) { if (!t._pmFolded) { t._pmFolded = 1; fold(t); } });
    drawCharts();
    Array.prototype.forEach.call(document.querySelectorAll("[data-pm-explorer]"), function (root) {
      if (!root._pmExplorer) root._pmExplorer = new Explorer(root);
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(setup);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
