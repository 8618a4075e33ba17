/* Postmortem knowledge base: sortable tables, plotly charts, the header's search box and the
 * incident explorer (both on Pagefind's index, loaded only when a search needs it).
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

  /* ---- search: Pagefind, shared by the header's box and the explorer ------------------- */
  var pagefinds = {};

  /* Pagefind, loaded from the element's data-pm-pagefind with the index's later parts
     (data-pm-pagefind-parts, search.py) merged in: one search covers them all. */
  function pagefind(node) {
    var url = new URL(node.getAttribute("data-pm-pagefind"), document.baseURI).href;
    var parts = (node.getAttribute("data-pm-pagefind-parts") || "").split(" ").filter(Boolean);
    if (!pagefinds[url]) {
      pagefinds[url] = import(url).then(function (pf) {
        return pf.options({ excerptLength: 24 }).then(function () {
          return Promise.all(parts.map(function (part) { return pf.mergeIndex(new URL(part, document.baseURI).href); }));
        }).then(function () { return pf; });
      });
      pagefinds[url].catch(function () { delete pagefinds[url]; });  // a later try may succeed
    }
    return pagefinds[url];
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* Pagefind's excerpt is escaped text with <mark> around the words found: parsed inertly and
     rebuilt from its text and marks only, so nothing else of it can ever become markup. */
  function excerpt(html) {
    var out = document.createDocumentFragment();
    var doc = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
    Array.prototype.forEach.call(doc.body.firstChild.childNodes, function (node) {
      out.appendChild(node.nodeName === "MARK" ? el("mark", {}, node.textContent) : document.createTextNode(node.textContent));
    });
    return out;
  }

  function words(text) { return text.trim().replace(/\s+/g, " "); }

  /* What Pagefind is asked: the words as the index was written (search.py's plain): "::" and "="
     end a word, so NET::ERR_CERT_DATE_INVALID finds what ERR_CERT_DATE_INVALID finds, and more. */
  function query(text) { return text.replace(/::/g, ":: ").replace(/=/g, "= "); }

  /* ---- the header's search box ------------------------------------------------------- */
  var HEADER_RESULTS = 8;

  function HeaderSearch(root) {
    var form = root.querySelector("form");
    // The header outlives instant navigation: its URLs are made absolute while they are right.
    form.setAttribute("action", form.action);
    ["data-pm-pagefind", "data-pm-pagefind-parts"].forEach(function (name) {
      var urls = (form.getAttribute(name) || "").split(" ").filter(Boolean);
      form.setAttribute(name, urls.map(function (u) { return new URL(u, document.baseURI).href; }).join(" "));
    });
    this.form = form;
    this.input = form.elements.text;
    this.meta = root.querySelector("[data-pm-search-meta]");
    this.list = root.querySelector(".md-search-result__list");
    this.all = root.querySelector("[data-pm-search-all]");
    this.toggle = document.getElementById("__search");
    this.placeholder = this.meta.textContent;
    this.seq = 0;
    var self = this, timer = null;
    this.input.addEventListener("focus", function () { self.open(); });
    this.input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.search(); }, 100);
    });
    form.addEventListener("reset", function () { setTimeout(function () { self.search(); }, 0); });
    root.addEventListener("keydown", function (event) { self.key(event); });  // box and results
    // A result opened (instant navigation keeps the header): the box closes behind it.
    root.addEventListener("click", function (event) { if (event.target.closest("a")) self.close(); });
    if (this.toggle) {
      this.toggle.addEventListener("change", function () {
        if (self.toggle.checked) self.input.focus();
      });
    }
  }

  /* Material's keys for its search box: "/", "s" and "f" focus ours (outside text fields). */
  document.addEventListener("keydown", function (event) {
    var target = event.target, box = document.querySelector("[data-pm-search] input[name=text]");
    if (!box || event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (event.key === "/" || event.key === "s" || event.key === "f") {
      event.preventDefault();
      box.focus();
    }
  });

  HeaderSearch.prototype.open = function () {
    if (this.toggle && !this.toggle.checked) this.toggle.checked = true;
    // Starts loading the script and the index's metadata, so the first search is quick.
    pagefind(this.form).then(function (pf) { return pf.init(); }).catch(function () {});
  };

  HeaderSearch.prototype.close = function () {
    if (this.toggle) this.toggle.checked = false;
    this.input.blur();
  };

  HeaderSearch.prototype.key = function (event) {
    var links = Array.prototype.slice.call(this.list.querySelectorAll("a"));
    if (this.all.offsetParent !== null) links.push(this.all);
    var at = links.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      this.close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!links.length) return;
      event.preventDefault();
      var next = event.key === "ArrowDown" ? at + 1 : at - 1;
      if (next < 0) this.input.focus();
      else links[Math.min(next, links.length - 1)].focus();
    }
  };

  HeaderSearch.prototype.search = function () {
    var self = this, seq = ++this.seq, text = words(this.input.value);
    var explorer = new URL(this.form.action);
    explorer.search = text ? "?" + new URLSearchParams({ text: text }).toString() : "";
    this.all.href = explorer.href;
    if (!text) {
      this.list.textContent = "";
      this.meta.textContent = this.placeholder;
      this.all.parentNode.hidden = true;
      return;
    }
    this.meta.textContent = "Searching…";
    pagefind(this.form).then(function (pf) {
      // Postmortems and pages (not the index's vocabulary, search.py), counted by kind.
      return pf.search(query(text), { filters: { kind: { any: ["postmortem", "page"] } } }).then(function (found) {
        return Promise.all(found.results.slice(0, HEADER_RESULTS).map(function (r) { return r.data(); }))
          .then(function (items) { return { found: found, items: items }; });
      });
    }).then(function (got) {
      if (seq !== self.seq) return;
      var kinds = (got.found.filters && got.found.filters.kind) || {};
      var total = got.found.results.length, postmortems = kinds.postmortem || 0;
      self.meta.textContent = total ? total + (total === 1 ? " matching page" : " matching pages") : "No matching pages";
      self.list.textContent = "";
      got.items.forEach(function (d) { self.list.appendChild(headerItem(d)); });
      self.all.textContent = postmortems ? "All " + postmortems + (postmortems === 1 ? " postmortem" : " postmortems") + " in the explorer" : "Search the explorer";
      self.all.parentNode.hidden = false;
    }).catch(function (err) {
      if (seq === self.seq) self.meta.textContent = "Search could not load: " + err.message;
    });
  };

  function headerItem(d) {
    var item = el("li", { class: "md-search-result__item" });
    var link = el("a", { class: "md-search-result__link", href: d.url });
    var article = el("article", { class: "md-search-result__article md-typeset" });
    var title = el("h1");
    if (d.meta.id) title.appendChild(el("span", { class: "pm-sev pm-sev--" + String((d.filters.severity || [""])[0]).toLowerCase() }, (d.filters.severity || [""])[0]));
    title.appendChild(document.createTextNode((d.meta.id ? " " + d.meta.id + ": " : "") + (d.meta.title || d.url)));
    article.appendChild(title);
    if (d.meta.id) article.appendChild(el("p", { class: "pm-result__meta" }, [d.meta.started].concat(d.filters.service || []).join(" · ")));
    var text = el("p");
    text.appendChild(excerpt(d.excerpt));
    article.appendChild(text);
    link.appendChild(article);
    item.appendChild(link);
    return item;
  }

  /* ---- the explorer ------------------------------------------------------------------ */
  var FACETS = [
    ["severity", "Severity"], ["service", "Service"], ["team", "Team"],
    ["factor", "Contributing factor"], ["trigger", "Trigger"], ["status", "Status"],
  ];
  var PAGE = 10, TOP = 5;

  function Explorer(root) {
    this.root = root;
    this.form = root.querySelector("form");
    this.facetBox = root.querySelector(".pm-explorer__facets");
    this.list = root.querySelector(".pm-explorer__list");
    this.count = root.querySelector(".pm-explorer__count");
    this.more = root.querySelector(".pm-explorer__more");
    this.empty = root.querySelector(".pm-explorer__empty");
    this.loading = root.querySelector(".pm-explorer__loading");
    this.severities = JSON.parse(root.getAttribute("data-pm-severities") || "[]");
    // Contributing factors' and triggers' names as every page shows them ("Missing timeout").
    this.labels = JSON.parse(root.getAttribute("data-pm-labels") || "{}");
    this.total = root.getAttribute("data-pm-total");
    this.first = root.getAttribute("data-pm-first");
    this.last = root.getAttribute("data-pm-last");
    this.seq = 0;
    this.groups = {};
    this.expanded = {};
    this.readState();  // at once: the URL's words are in the box before anything loads
    this.bind();
    var self = this;
    this.busy(true);
    pagefind(root).then(function (pf) {
      self.pf = pf;
      self.render();
    }).catch(function (err) {
      self.busy(false);
      self.count.textContent = "The explorer could not load its index: " + err.message;
    });
  }

  Explorer.prototype.readState = function () {
    var params = new URLSearchParams(window.location.search), els = this.form.elements;
    var facets = {};
    FACETS.forEach(function (f) { facets[f[0]] = params.getAll(f[0]); });
    this.facets = facets;
    els.text.value = params.get("text") || "";
    els.from.value = params.get("from") || "";
    els.to.value = params.get("to") || "";
  };

  Explorer.prototype.state = function () {
    var els = this.form.elements;
    return { text: words(els.text.value), from: els.from.value, to: els.to.value, facets: this.facets };
  };

  Explorer.prototype.writeState = function (s) {
    var params = new URLSearchParams();
    if (s.text) params.set("text", s.text);
    FACETS.forEach(function (f) { s.facets[f[0]].forEach(function (v) { params.append(f[0], v); }); });
    if (s.from) params.set("from", s.from);
    if (s.to) params.set("to", s.to);
    var query = params.toString();
    history.replaceState(history.state, "", window.location.pathname + (query ? "?" + query : ""));
  };

  Explorer.prototype.bind = function () {
    var self = this, timer = null;
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.render(); });
    this.form.addEventListener("input", function (event) {
      clearTimeout(timer);
      timer = setTimeout(function () { self.render(); }, event.target.name === "text" ? 100 : 0);
    });
    this.form.addEventListener("reset", function () {
      setTimeout(function () { self.clearFilters(); }, 0);
    });
    this.facetBox.addEventListener("change", function (event) {
      var box = event.target, list = self.facets[box.name];
      if (!list) return;
      var at = list.indexOf(box.value);
      if (box.checked && at < 0) list.push(box.value);
      if (!box.checked && at >= 0) list.splice(at, 1);
      self.render();
    });
    this.facetBox.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-facet]");
      if (!button) return;
      self.expanded[button.dataset.facet] = !self.expanded[button.dataset.facet];
      self.showCounts(self.counts);
    });
    this.more.addEventListener("click", function () { self.showMore(); });
    this.empty.querySelector("button").addEventListener("click", function () {
      var text = self.form.elements.text;
      self.clearFilters(text.value);
      text.focus();
    });
    var toggle = this.root.querySelector(".pm-explorer__toggle");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      self.facetBox.classList.toggle("pm-explorer__facets--open", open);
    });
  };

  Explorer.prototype.clearFilters = function (text) {
    var els = this.form.elements;
    els.text.value = text || "";
    els.from.value = els.to.value = "";
    var facets = this.facets;
    FACETS.forEach(function (f) { facets[f[0]] = []; });
    Array.prototype.forEach.call(this.facetBox.querySelectorAll("input:checked"), function (i) { i.checked = false; });
    this.render();
  };

  Explorer.prototype.busy = function (on) {
    this.root.setAttribute("aria-busy", String(on));
    this.loading.hidden = !on;
    if (on) this.root.setAttribute("data-pm-ready", "false");
  };

  /* The Pagefind filters of a view: every facet's values OR-ed, facets and dates AND-ed; `skip`
     leaves one facet's choice out (its own counts ignore it). A facet without a choice gets a
     filter that keeps every page ({none: []}): Pagefind counts a search's matches only for the
     filters the search names, and this way one search brings every facet's values and counts. */
  Explorer.prototype.filters = function (s, skip, counted) {
    var out = { kind: "postmortem" };
    FACETS.forEach(function (f) {
      if (f[0] !== skip && s.facets[f[0]].length) out[f[0]] = { any: s.facets[f[0]].slice() };
      else if (counted) out[f[0]] = { none: [] };
    });
    if (s.from || s.to) out.started = { any: days(s.from > this.first ? s.from : this.first, s.to && s.to < this.last ? s.to : this.last) };
    return out;
  };

  /* Every day from first to last (YYYY-MM-DD, both included): the values of the "started" filter
     a date range stands for. */
  function days(first, last) {
    var out = [], day = new Date(first + "T00:00:00Z"), end = new Date(last + "T00:00:00Z");
    if (isNaN(day) || isNaN(end)) return out;
    for (; day <= end; day.setUTCDate(day.getUTCDate() + 1)) out.push(day.toISOString().slice(0, 10));
    return out;
  }

  /* One Pagefind search of a view. Counting the facets' values costs more than finding the
     matches (at 10,000 postmortems, 0.6 s of a common word's 0.9 s), so the results are searched
     without counts first and shown; `counted` asks for every facet's counts (with `skip`: every
     facet's but that one's choice). */
  Explorer.prototype.search = function (s, skip, counted) {
    var f = this.filters(s, skip, counted);
    if (f.started && !f.started.any.length) return Promise.resolve({ results: [], filters: {} });
    // No words: Pagefind lists the matches in the index's order, newest first (search.py).
    return this.pf.search(s.text ? query(s.text) : null, { filters: f });
  };

  /* One view: its results, then its counts. One view at a time: Pagefind's worker answers in
     turn and cannot drop a search it was given, so what the reader does meanwhile waits, and
     only the latest state is searched next (a fast typist's every letter would queue a search). */
  Explorer.prototype.render = function () {
    if (!this.pf) return;  // still loading: the view is drawn from the form once it is ready
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.again = false;
    var self = this, seq = ++this.seq, s = this.state();
    function stale() { return self.again || seq !== self.seq; }
    this.writeState(s);
    this.busy(true);
    var own = FACETS.filter(function (f) { return s.facets[f[0]].length; }).map(function (f) { return f[0]; });
    this.search(s)
      .then(function (found) {
        if (stale()) return false;
        self.results = found.results;
        self.shown = 0;
        return self.page(seq, true);
      })
      .then(function (done) {
        if (!done || stale()) return null;
        var n = self.results.length;
        self.count.textContent = n + " of " + self.total + " postmortems";
        self.root.setAttribute("data-pm-count", String(n));
        self.empty.hidden = n > 0;
        self.empty.querySelector("button").hidden = !(s.from || s.to || own.length);
        // The counts once the results are shown: the worker would answer them first.
        return Promise.all([self.search(s, null, true)].concat(own.map(function (name) { return self.search(s, name, true); })));
      })
      .then(function (found) {
        if (!found || stale()) return;
        if (!self.built && found[0].filters && found[0].filters.kind) self.buildFacets(found[0].filters);
        var counts = {};
        FACETS.forEach(function (f) { counts[f[0]] = (found[0].filters || {})[f[0]] || {}; });
        own.forEach(function (name, i) { counts[name] = (found[i + 1].filters || {})[name] || {}; });
        self.counts = counts;
        self.showCounts(counts);
        self.busy(false);
        self.root.setAttribute("data-pm-ready", "true");
      })
      .catch(function (err) {
        if (stale()) return;
        self.busy(false);
        self.count.textContent = "The search failed: " + err.message;
      })
      .then(function () {
        self.running = false;
        if (self.again) self.render();
      });
  };


  Explorer.prototype.page = function (seq, fresh) {
    var self = this, next = this.results.slice(this.shown, this.shown + PAGE);
    return Promise.all(next.map(function (r) { return r.data(); })).then(function (items) {
      if (seq !== self.seq) return false;
      if (fresh) self.list.textContent = "";
      var text = self.form.elements.text.value.trim();
      items.forEach(function (d) { self.list.appendChild(self.result(d, text)); });
      self.shown += items.length;
      var left = self.results.length - self.shown;
      self.more.hidden = left <= 0;
      self.more.textContent = "Show " + Math.min(left, PAGE) + " more (" + left + " left)";
      return true;
    });
  };

  Explorer.prototype.showMore = function () {
    var self = this, seq = this.seq, first = this.shown;
    this.page(seq, false).then(function (done) {
      var link = done && self.list.children[first] && self.list.children[first].querySelector("a");
      if (link) link.focus();
    });
  };

  Explorer.prototype.result = function (d, text) {
    var f = d.filters, sev = (f.severity || [""])[0];
    var item = el("li", { class: "pm-result", "data-pm-id": d.meta.id });
    var head = el("h3", { class: "pm-result__title" });
    head.appendChild(el("span", { class: "pm-sev pm-sev--" + sev.toLowerCase() }, sev));
    head.appendChild(document.createTextNode(" "));
    head.appendChild(el("a", { href: d.url }, d.meta.id + ": " + d.meta.title));
    item.appendChild(head);
    var meta = [d.meta.started, (f.service || []).join(", "), (f.team || []).join(", ")];
    if ((f.factor || []).length) meta.push(f.factor.map(this.name, this).join(", "));
    if (d.meta.repeat) meta.push("repeat");
    item.appendChild(el("div", { class: "pm-result__meta" }, meta.join(" · ")));
    var snippet = el("p", { class: "pm-result__snippet" });
    if (text) snippet.appendChild(excerpt(d.excerpt)); else snippet.textContent = d.meta.summary || "";
    item.appendChild(snippet);
    return item;
  };

  /* A value as people read it: a factor's or trigger's name, anything else as it is. */
  Explorer.prototype.name = function (value) {
    return Object.prototype.hasOwnProperty.call(this.labels, value) ? this.labels[value] : value;
  };

  /* Every facet's values, built once from the first search's counts (severities in their order,
     other values most matches first); a render changes counts, order and what is hidden, never
     the nodes, so focus stays put. */
  Explorer.prototype.buildFacets = function (counts) {
    var self = this, box = this.facetBox;
    box.textContent = "";
    this.built = true;
    FACETS.forEach(function (facet) {
      var name = facet[0], all = counts[name] || {};
      var values = Object.keys(all);
      if (name === "severity") {
        values.sort(function (a, b) { return rank(self.severities, a) - rank(self.severities, b) || a.localeCompare(b); });
      } else {
        values.sort(function (a, b) { return all[b] - all[a] || a.localeCompare(b); });
      }
      var group = el("fieldset", { class: "pm-facet", "data-facet": name });
      group.appendChild(el("legend", {}, facet[1]));
      var labels = {};
      values.forEach(function (v) {
        var label = el("label");
        var input = el("input", { type: "checkbox", name: name, value: v });
        input.checked = self.facets[name].indexOf(v) >= 0;
        label.appendChild(input);
        label.appendChild(el("span", { class: "pm-facet__value", title: v }, self.name(v)));
        label.appendChild(el("span", { class: "pm-count" }, ""));
        group.appendChild(label);
        labels[v] = label;
      });
      var more = el("button", { type: "button", class: "pm-facet__more", "data-facet": name, hidden: "" });
      group.appendChild(more);
      box.appendChild(group);
      var order = {};
      values.forEach(function (v, i) { order[v] = i; });
      self.groups[name] = { values: values, labels: labels, more: more, group: group, order: order };
    });
  };

  function rank(order, value) {
    var at = order.indexOf(value);
    return at < 0 ? order.length : at;
  }

  Explorer.prototype.showCounts = function (counts) {
    var self = this;
    FACETS.forEach(function (facet) {
      var name = facet[0], g = self.groups[name], c = counts[name] || {};
      if (!g) return;  // not built yet: the first searches found nothing to count
      var chosen = self.facets[name], open = !!self.expanded[name], candidates = 0;
      if (name !== "severity" && !g.group.contains(document.activeElement)) {
        // Most matches first; a group holding the focus keeps its order (moving a node drops focus).
        g.values.sort(function (a, b) { return (c[b] || 0) - (c[a] || 0) || g.order[a] - g.order[b]; });
        g.values.forEach(function (v) { g.group.insertBefore(g.labels[v], g.more); });
      }
      g.values.forEach(function (v) {
        var n = c[v] || 0, label = g.labels[v], on = chosen.indexOf(v) >= 0;
        label.querySelector(".pm-count").textContent = String(n);
        label.querySelector("input").checked = on;
        if (n > 0 || on) candidates += 1;
        label.hidden = !(on || (n > 0 && (open || candidates <= TOP)));
      });
      var extra = candidates - TOP;
      g.more.hidden = extra <= 0;
      g.more.textContent = open ? "Show fewer" : "Show " + extra + " more";
      g.more.setAttribute("aria-expanded", String(open));
      g.group.hidden = candidates === 0;
    });
  };

  function setup() {
    Array.prototype.forEach.call(document.querySelectorAll("table.pm-sortable"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("table.pm-table"), function (t) { if (!t._pmFolded) { t._pmFolded = 1; fold(t); } });
    drawCharts();
    Array.prototype.forEach.call(document.querySelectorAll("[data-pm-search]"), function (root) {
      if (!root._pmSearch) root._pmSearch = new HeaderSearch(root);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-pm-explorer]"), function (root) {
      if (!root._pmExplorer) root._pmExplorer = new Explorer(root);
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(setup);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
