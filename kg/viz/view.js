/* kg network view: side panel, search, filters and timeline around pyvis's vis-network.
 * Everything from the graph arrives as JSON in the element #kg-data and reaches the page
 * only through textContent or element properties: never innerHTML with data. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("kg-data").textContent);
  var net = window.network, nodeSet = window.nodes, edgeSet = window.edges;
  var NODE = {}, EDGE = {}, LINKS = {};
  D.nodes.forEach(function (n) { NODE[n.id] = n; LINKS[n.id] = []; });
  D.edges.forEach(function (e) { EDGE[e.id] = e; LINKS[e.from].push(e.id); LINKS[e.to].push(e.id); });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function labelOf(id) { return NODE[id] ? NODE[id].label : "(not shown)"; }
  function byId(id) { return document.getElementById(id); }

  /* ---- side panel ------------------------------------------------------------------- */
  var panel = byId("kg-panel-body");

  function tag(parent, text) { return add(parent, el("span", text, "kg-tag")); }
  function docLine(parent, di) {
    var d = D.docs[di];
    if (!d) return;
    var line = add(parent, el("div", null, "kg-muted"));
    add(line, el("span", "\u2014 " + (d[0] || "untitled")));
    var extra = [d[1], d[2]].filter(Boolean).join(", ");
    if (extra) add(line, el("span", " (" + extra + ")"));
    if (d[3]) line.title = d[3];
  }
  function evidence(parent, sents, docs) {
    var cited = {};
    sents.forEach(function (s) {
      add(parent, el("blockquote", D.sentences[s[0]], "kg-evidence"));
      if (s[1] >= 0) { docLine(parent, s[1]); cited[s[1]] = true; }
    });
    var rest = (docs || []).filter(function (di) { return !cited[di]; });
    if (rest.length) {
      add(parent, el("div", sents.length ? "Also in:" : "Sources:", "kg-muted"));
      rest.forEach(function (di) { docLine(parent, di); });
    }
  }
  function qualifiers(parent, c) {
    var line = add(parent, el("div"));
    if (c.h) tag(line, "hedge: " + c.h);
    if (c.by) tag(line, "claimed by: " + c.by);
    if (c.at) tag(line, "attributed to: " + c.at);
    if (c.c) tag(line, "confidence " + c.c);
  }
  function linkTo(parent, text, onclick) {
    var a = add(parent, el("span", text, "kg-link"));
    a.addEventListener("click", onclick);
    return a;
  }

  function showNode(id) {
    var n = NODE[id];
    if (!n) return;
    if (n.event !== undefined) { showEvent(n.event); return; }
    clear(panel);
    add(panel, el("h3", n.label, "kg-name"));
    var tags = add(panel, el("div"));
    tag(tags, n.kind);
    n.types.filter(function (t) { return t !== n.kind && t !== "Actor"; })
      .forEach(function (t) { tag(tags, t); });
    if (n.alt.length) {
      add(panel, el("div", "Other names", "kg-muted"));
      var ul = add(panel, el("ul", null, "kg-alt"));
      n.alt.forEach(function (a) { add(ul, el("li", a)); });
    }
    if (n.wd) {
      var p = add(panel, el("div"));
      var a = add(p, el("a", "Wikidata " + n.wd.split("/").pop()));
      a.href = n.wd; a.target = "_blank"; a.rel = "noopener noreferrer";
    }
    var links = LINKS[id];
    add(panel, el("div", "Mentions: " + n.mentions + " in " + n.docs.length + " article(s); " +
      links.length + " link(s) shown", "kg-muted kg-counts"));
    if (links.length) {
      add(panel, el("h2", "Links"));
      var list = add(panel, el("ul"));
      links.slice(0, 60).forEach(function (eid) {
        var e = EDGE[eid];
        var out = e.from === id;
        var li = add(list, el("li"));
        linkTo(li, (out ? "\u2192 " : "\u2190 ") + e.rel + " " + labelOf(out ? e.to : e.from),
          function () { net.selectEdges([eid]); showEdge(eid); });
      });
      if (links.length > 60) add(panel, el("div", "\u2026 and " + (links.length - 60) + " more", "kg-muted"));
    }
  }

  function showEdge(id) {
    var e = EDGE[id];
    if (!e) return;
    if (e.event !== undefined) { showEvent(e.event); return; }
    clear(panel);
    add(panel, el("h3", labelOf(e.from) + " \u2014 " + e.rel + " \u2192 " + labelOf(e.to)));
    var tags = add(panel, el("div"));
    tag(tags, e.family);
    tag(tags, e.claims.length + " claim(s)");
    if (!e.claims.length) add(panel, el("p", "No provenance recorded for this relation.", "kg-muted"));
    e.claims.forEach(function (c) {
      var box = add(panel, el("div", null, "kg-claim"));
      evidence(box, c.s, c.d);
      qualifiers(box, c);
    });
  }

  function names(ids) { return ids.length ? ids.join(", ") : "\u2014"; }
  function showEvent(i) {
    var ev = D.events[i];
    if (!ev) return;
    clear(panel);
    add(panel, el("h3", ev.label));
    var tags = add(panel, el("div"));
    tag(tags, ev.cls);
    if (ev.plover) tag(tags, "PLOVER " + ev.plover);
    if (ev.cameo) tag(tags, "CAMEO " + ev.cameo);
    add(panel, el("div", "Who: " + names(ev.agents) + " \u2192 " + names(ev.targets)));
    if (ev.places.length) add(panel, el("div", "Where: " + names(ev.places)));
    if (ev.date || ev.dateText) {
      add(panel, el("div", "When: " + (ev.date || "") + (ev.dateText ? " (\u201c" + ev.dateText + "\u201d)" : "")));
    }
    if (ev.trigger) add(panel, el("div", "Trigger: " + ev.trigger, "kg-muted"));
    if (ev.q) { add(panel, el("div", "Quote", "kg-muted")); add(panel, el("blockquote", ev.q)); }
    var box = add(panel, el("div", null, "kg-claim"));
    evidence(box, ev.s, ev.d);
    qualifiers(box, ev);
  }

  net.on("click", function (p) {
    if (p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges.length) showEdge(p.edges[0]);
  });
  net.on("hoverNode", function (p) { showNode(p.node); });
  net.on("hoverEdge", function (p) { showEdge(p.edge); });

  /* ---- search ----------------------------------------------------------------------- */
  var actors = D.nodes.filter(function (n) { return n.event === undefined; });
  var datalist = byId("kg-names"), seen = {};
  actors.slice(0, 5000).forEach(function (n) {
    [n.label].concat(n.alt).forEach(function (name) {
      if (seen[name]) return;
      seen[name] = true;
      var o = document.createElement("option");
      o.value = name;
      datalist.appendChild(o);
    });
  });
  function findActor(query) {
    var q = String(query || "").trim().toLowerCase();
    if (!q) return null;
    var tests = [
      function (n) { return n.label.toLowerCase() === q; },
      function (n) { return n.alt.some(function (a) { return a.toLowerCase() === q; }); },
      function (n) { return n.label.toLowerCase().indexOf(q) >= 0; },
      function (n) { return n.alt.some(function (a) { return a.toLowerCase().indexOf(q) >= 0; }); }
    ];
    for (var t = 0; t < tests.length; t++) {
      for (var i = 0; i < actors.length; i++) if (tests[t](actors[i])) return actors[i].id;
    }
    return null;
  }
  function focusNode(id) {
    if (nodeSet.get(id) && nodeSet.get(id).hidden) nodeSet.update([{ id: id, hidden: false }]);
    net.selectNodes([id]);
    net.focus(id, { scale: Math.max(net.getScale(), 1.0), animation: { duration: 300 } });
    showNode(id);
  }
  byId("kg-search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = byId("kg-search").value, id = findActor(q), status = byId("kg-search-status");
    if (id) { status.textContent = ""; focusNode(id); }
    else status.textContent = "No actor matches \u201c" + q + "\u201d";
  });

  /* ---- filters ---------------------------------------------------------------------- */
  var state = { kinds: {}, keys: {} };
  function checkbox(parent, key, store, text, swatch) {
    store[key] = true;
    var label = add(parent, el("label"));
    var box = add(label, document.createElement("input"));
    box.type = "checkbox"; box.checked = true;
    box.addEventListener("change", function () { store[key] = box.checked; apply(); });
    if (swatch) add(label, swatch);
    add(label, document.createTextNode(" " + text));
    return box;
  }
  function glyph(kind) {
    var s = el("span", kind[2], "kg-glyph");
    s.style.color = kind[1];
    return s;
  }
  function line(colour, dashed) {
    var s = el("span", null, "kg-line" + (dashed ? " kg-dashed" : ""));
    s.style.borderTopColor = colour;
    return s;
  }
  D.legend.kinds.forEach(function (k) {
    checkbox(byId("kg-filter-kinds"), k[0], state.kinds, k[0] + " (" + k[3] + ")", glyph(k));
  });
  D.legend.keys.forEach(function (k) {
    checkbox(byId("kg-filter-rels"), k[0], state.keys, k[1] + " (" + k[3] + ")",
      line(D.legend.families[k[2]], k[0].indexOf("ev:") === 0));
  });
  var docSelect = byId("kg-filter-doc");
  D.docOrder.forEach(function (di) {
    var d = D.docs[di], o = document.createElement("option");
    o.value = String(di);
    o.textContent = (d[2] ? d[2] + " \u00b7 " : "") + (d[0] || "untitled") + (d[1] ? " \u2014 " + d[1] : "");
    docSelect.appendChild(o);
  });
  var legend = byId("kg-legend");
  D.legend.kinds.forEach(function (k) {
    var row = add(legend, el("div")); add(row, glyph(k)); add(row, document.createTextNode(" " + k[0]));
  });
  Object.keys(D.legend.families).forEach(function (f) {
    var row = add(legend, el("div")); add(row, line(D.legend.families[f], false));
    add(row, document.createTextNode(f));
  });
  var evRow = add(legend, el("div")); add(evRow, line("#7f7f7f", true));
  add(evRow, document.createTextNode("event (dashed)"));
  add(legend, el("div", "Size: importance (PageRank)", "kg-muted"));

  function dateOk(dates, from, to) {
    if (!from && !to) return true;
    return dates.some(function (d) {
      var day = String(d).slice(0, 10);
      var lo = day + "0000-01-01".slice(day.length), hi = day + "0000-12-31".slice(day.length);
      return (!from || hi >= from) && (!to || lo <= to);
    });
  }
  function apply() {
    var doc = docSelect.value === "" ? -1 : Number(docSelect.value);
    var from = byId("kg-filter-from").value, to = byId("kg-filter-to").value;
    var narrowing = doc >= 0 || !!from || !!to;
    var passes = function (item) {
      return (doc < 0 || item.docs.indexOf(doc) >= 0) && dateOk(item.dates, from, to);
    };
    var nodeOk = {}, linked = {};
    D.nodes.forEach(function (n) {
      nodeOk[n.id] = n.event !== undefined ? (state.keys[n.key] !== false && passes(n)) : state.kinds[n.kind] !== false;
    });
    var edgeChanges = [], nodeChanges = [];
    D.edges.forEach(function (e) {
      var show = state.keys[e.key] !== false && nodeOk[e.from] && nodeOk[e.to] && passes(e);
      if (show) { linked[e.from] = true; linked[e.to] = true; }
      if (e.hidden !== !show) { e.hidden = !show; edgeChanges.push({ id: e.id, hidden: !show }); }
    });
    D.nodes.forEach(function (n) {
      var show = nodeOk[n.id] && (!narrowing || linked[n.id] ||
        (n.event === undefined && doc >= 0 && !from && !to && n.docs.indexOf(doc) >= 0));
      if (n.hidden !== !show) { n.hidden = !show; nodeChanges.push({ id: n.id, hidden: !show }); }
    });
    if (nodeChanges.length) nodeSet.update(nodeChanges);
    if (edgeChanges.length) edgeSet.update(edgeChanges);
    timeline(function (ev) { return state.keys[ev.key] !== false && passes(ev); });
  }
  [docSelect, byId("kg-filter-from"), byId("kg-filter-to")].forEach(function (input) {
    input.addEventListener("change", apply);
  });
  byId("kg-filter-reset").addEventListener("click", function () {
    document.querySelectorAll("#kg-filters input[type=checkbox]").forEach(function (b) {
      if (!b.checked) { b.checked = true; b.dispatchEvent(new Event("change")); }
    });
    docSelect.value = ""; byId("kg-filter-from").value = ""; byId("kg-filter-to").value = "";
    apply();
  });

  /* ---- timeline --------------------------------------------------------------------- */
  var ROWS = 400;
  function timeline(keep) {
    var list = byId("kg-timeline-list"), bars = byId("kg-timeline-bars");
    clear(list); clear(bars);
    var dated = [];
    D.events.forEach(function (ev, i) { if (ev.date && keep(ev)) dated.push(i); });
    var months = {}, order = [];
    dated.forEach(function (i) {
      var m = D.events[i].date.slice(0, 7);
      if (!(m in months)) { months[m] = 0; order.push(m); }
      months[m] += 1;
    });
    order.sort();
    var most = Math.max.apply(null, order.map(function (m) { return months[m]; }).concat([1]));
    order.forEach(function (m) {
      var b = add(bars, el("div"));
      b.style.height = Math.max(2, Math.round(28 * months[m] / most)) + "px";
      b.title = m + ": " + months[m] + " event(s)";
    });
    dated.slice(0, ROWS).forEach(function (i) {
      var ev = D.events[i];
      var li = add(list, el("li"));
      add(li, el("span", ev.date, "kg-date"));
      add(li, document.createTextNode(ev.cls + ": " + names(ev.agents) + " \u2192 " +
        names(ev.targets) + " \u2014 " + ev.label));
      li.addEventListener("click", function () {
        if (ev.node) { net.selectNodes([ev.node]); net.focus(ev.node, { animation: { duration: 300 } }); }
        else if (ev.edges.length) net.selectEdges(ev.edges);
        else if (ev.focus) net.selectNodes([ev.focus]);
        showEvent(i);
      });
    });
    if (dated.length > ROWS) add(list, el("li", "\u2026 " + (dated.length - ROWS) + " more: narrow with the filters", "kg-muted"));
    if (!dated.length) add(list, el("li", "No dated events" + (D.events.length ? " pass the filters." : " in this graph."), "kg-muted"));
  }
  timeline(function () { return true; });

  /* ---- ready: first draw done (and physics settled on small graphs) ------------------ */
  function ready() {
    if (window.kgReady) return;
    window.kgReady = true;
    window.kgReadyAt = performance.now();
    document.body.setAttribute("data-kg-ready", "1");
    if (D.focus) focusNode(D.focus);
  }
  if (D.physics) {
    net.once("stabilizationIterationsDone", function () {
      net.setOptions({ physics: false });
      net.once("afterDrawing", ready);
      net.redraw();
    });
  } else {
    // With physics off vis-network may already have drawn before this script ran:
    // ask for one more (synchronous) draw so "ready" follows a complete picture.
    net.once("afterDrawing", ready);
    net.redraw();
  }
  if (!D.nodes.length) ready();
  window.kgView = { data: D, findActor: findActor, focusNode: focusNode, showNode: showNode,
    showEdge: showEdge, showEvent: showEvent, apply: apply };
})();
