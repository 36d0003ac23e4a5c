/* The interactive network view (templates/view/network.html).
 *
 * Data comes as JSON from the app: first the graph (data-data-url), drawn at once, then the
 * analysis marks of the same query (data-marks-url: Taktgeber, gaps, transfer routes),
 * applied to the drawn network when they arrive. Every text from them is put into the page
 * with textContent, never as HTML. vis-network's tooltips get DOM elements, not strings,
 * because it would render a string title as HTML.
 */
(function () {
  "use strict";

  var app = document.getElementById("network-app");
  if (!app || typeof vis === "undefined") { return; }
  var TEXT = JSON.parse(document.getElementById("network-text").textContent);
  var form = document.getElementById("network-filters");
  var container = document.getElementById("network-canvas");
  var statusLine = document.getElementById("network-status");
  var panel = document.getElementById("network-panel");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var analysisLine = document.getElementById("network-analysis");
  var problemBox = document.getElementById("network-problems");
  // numbers in the interface language (the template's data-locale), as the server's pages
  // show them; scores with two decimals like the analysis page (0,77 / 0.77)
  var numberLocale = app.dataset.locale || document.documentElement.lang || "de";
  var decimals = new Intl.NumberFormat(numberLocale,
    { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false });
  var exportBox = document.getElementById("network-exports");

  // analysis: "pending" until the marks of the current query are applied, then "ready"
  var state = { data: null, nodes: null, edges: null, network: null, byId: {},
    analysis: "pending", panelId: null, loads: 0 };
  // For the browser tests and the console: the current network and its data.
  window.networkView = state;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  function label(vocabulary, value) {
    var labels = (state.data && state.data.labels[vocabulary]) || {};
    return labels[value] || value;
  }

  function display(field, value) {
    if (Array.isArray(value)) {
      return value.map(function (v) { return field === "topics" ? label("topic", v) : v; }).join(", ");
    }
    var vocabulary = { tier: "tier", level: "level", sector: "sector", actor_type: "actor_type",
      kind: "kind", topic: "topic", status: "status", provenance: "provenance",
      state: "state" }[field];
    if (field === "municipality" && state.byId[value]) { return state.byId[value].info.name; }
    if (field === "population" && typeof value === "number") { return value.toLocaleString(numberLocale); }
    return vocabulary ? label(vocabulary, value) : value;
  }

  function setStatus(text) { statusLine.textContent = text; }

  function setAnalysis(value, text) {
    state.analysis = value;
    app.dataset.analysis = value;
    analysisLine.textContent = text || "";
    analysisLine.hidden = !text;
  }

  function canEdit(key) {
    var editable = state.data && state.data.editable;
    return editable === true || (Array.isArray(editable) && editable.indexOf(key) >= 0);
  }

  // --- tooltip: a DOM element built with textContent --------------------------------------
  function tooltip(info) {
    var box = el("div", null, "network-tooltip");
    box.appendChild(el("strong", info.name || info.key));
    var line = label("type", info.type);
    if (info.level) { line += " · " + label("level", info.level); }
    if (info.tier) { line += " · " + label("tier", info.tier); }
    if (info.aggregate) { line += " · " + (info.type === "kreis" ? info.municipalities : info.actors) + " " + TEXT.members; }
    box.appendChild(el("div", line));
    if (info.top) { box.appendChild(el("div", TEXT.top, "tip-top")); }
    if (info.gap_count) { box.appendChild(el("div", TEXT.gap_count + ": " + info.gap_count, "tip-gap")); }
    return box;
  }

  // --- side panel -------------------------------------------------------------------------
  function openPanel(id) {
    var item = state.byId[id];
    if (!item) { return; }
    state.panelId = id;
    var info = item.info;
    document.getElementById("panel-title").textContent = info.name || info.key;
    document.getElementById("panel-type").textContent = label("type", info.type) +
      (info.aggregate ? " (" + TEXT.members + ": " + (info.type === "kreis" ? info.municipalities : info.actors) + ")" : "");
    var facts = document.getElementById("panel-facts");
    facts.replaceChildren();
    function fact(title, value) {
      if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) { return; }
      facts.appendChild(el("dt", title));
      facts.appendChild(el("dd", value));
    }
    fact(TEXT.key, info.key);
    Object.keys(TEXT.fields).forEach(function (field) {
      if (info[field] !== undefined) { fact(TEXT.fields[field], display(field, info[field])); }
    });
    if (info.population) { fact(TEXT.population, display("population", info.population)); }
    if (info.aggregate && info.type === "kreis") { fact(TEXT.actors, info.actors); }
    fact(TEXT.degree, info.degree);
    fact(TEXT.community, info.community);
    if (item.marks && item.marks.indexOf("route") >= 0) { fact(TEXT.route, "✓"); }

    var tg = document.getElementById("panel-taktgeber");
    var parts = document.getElementById("panel-parts");
    parts.replaceChildren();
    if (info.taktgeber) {
      tg.hidden = false;
      var text = fill(TEXT.rank, { rank: info.taktgeber.rank,
        score: decimals.format(Number(info.taktgeber.score)) });
      if (info.top) { text = TEXT.top + ". " + text; }
      if (info.taktgeber.key && info.taktgeber.key !== info.key) { text += " (" + info.taktgeber.key + ")"; }
      if (info.taktgeber.explanation) { text += " – " + info.taktgeber.explanation; }
      document.getElementById("panel-taktgeber-text").textContent = text;
      // the parts in the analysis page's order and with its names
      var given = info.taktgeber.parts || {};
      TEXT.part_order.concat(Object.keys(given).filter(function (part) {
        return TEXT.part_order.indexOf(part) < 0;
      })).forEach(function (part) {
        if (!(part in given)) { return; }
        parts.appendChild(el("dt", TEXT.parts[part] || part));
        parts.appendChild(el("dd", decimals.format(Number(given[part]))));
      });
    } else {
      tg.hidden = true;
    }

    var gaps = document.getElementById("panel-gaps");
    var list = document.getElementById("panel-gap-list");
    list.replaceChildren();
    (info.gaps || []).forEach(function (gap) {
      var li = el("li", gap.message);
      li.className = "gap gap-" + gap.severity;
      list.appendChild(li);
    });
    if (!info.gaps && info.gap_count) { list.appendChild(el("li", TEXT.gap_count + ": " + info.gap_count)); }
    gaps.hidden = !list.children.length;
    document.getElementById("panel-analysis").hidden = state.analysis !== "pending";

    // ties the transfer analysis suggests at this node, each with the tie form filled in
    var suggested = document.getElementById("panel-suggested");
    var sugList = document.getElementById("panel-suggested-list");
    sugList.replaceChildren();
    (state.data.suggested_ties || []).forEach(function (sug) {
      if (sug.from !== info.key && sug.to !== info.key) { return; }
      var li = el("li", fill(TEXT.suggested_tie, { from: nodeName(sug.from), to: nodeName(sug.to),
                                                   topic: sug.label || sug.topic || "" }));
      if (sug.url) {
        var make = el("a", TEXT.make_tie, "button suggest-tie");
        make.href = sug.url;
        li.appendChild(document.createTextNode(" "));
        li.appendChild(make);
      }
      sugList.appendChild(li);
    });
    suggested.hidden = !sugList.children.length;

    var links = document.getElementById("panel-links");
    links.replaceChildren();
    var url = pageUrl(info);
    if (url) {
      var page = el("a", TEXT.open_page, "button");
      page.href = url;
      links.appendChild(page);
      if (canEdit(info.key)) {
        var edit = el("a", TEXT.edit, "button");
        edit.href = url + "/edit";
        links.appendChild(edit);
      }
    }
    if (info.type === "municipality") {
      links.appendChild(actionButton(TEXT.ego, function () { applyQuery({ ego: info.key }); }));
    }
    var expanded = new URLSearchParams(location.search).getAll("expand");
    if (info.aggregate) {
      links.appendChild(actionButton(TEXT.expand, function () {
        expanded.push(info.key); applyQuery({ expand: expanded });
      }));
    }
    var parent = info.type === "municipality" ? info.key : null;
    if (parent && expanded.indexOf(parent) < 0 && info.district) { parent = "kreis:" + info.district; }
    if (parent && expanded.indexOf(parent) >= 0) {
      links.appendChild(actionButton(TEXT.collapse, function () {
        applyQuery({ expand: expanded.filter(function (e) { return e !== parent; }) });
      }));
    }
    panel.hidden = false;
    panel.focus();
  }

  function nodeName(id) {
    var item = state.byId[id];
    return item && item.info ? (item.info.name || id) : id;
  }

  function actionButton(text, onClick) {
    var b = el("button", text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  document.getElementById("panel-close").addEventListener("click", function () {
    panel.hidden = true;
    state.panelId = null;
    if (state.network) { state.network.unselectAll(); }
  });

  // the URL of a node's own page (none for a Kreis, which has no page)
  function pageUrl(info) {
    var urls = state.data.urls;
    if (!urls[info.type] || (info.aggregate && info.type === "kreis")) { return null; }
    return urls[info.type] + encodeURIComponent(info.key);
  }

  // a table cell naming a node, linked to the node's page where it has one
  function nodeCell(tag, id) {
    var cell = el(tag);
    var item = state.byId[id];
    var text = item ? (item.info.name || item.info.key) : id;
    var url = item ? pageUrl(item.info) : null;
    if (url) {
      var link = el("a", text);
      link.href = url;
      cell.appendChild(link);
    } else {
      cell.textContent = text;
    }
    return cell;
  }

  // a format a transfer route runs through, named with its kind and linked to its page
  function formatCell(step) {
    var cell = el("span", null, "route-format");
    var link = el("a", step.name);
    link.href = state.data.urls.format + encodeURIComponent(step.key);
    cell.appendChild(link);
    cell.appendChild(document.createTextNode(" (" + TEXT.format + ")"));
    return cell;
  }

  // The steps of transfer routes through a format: the format is no node of the drawing,
  // so its two participants the route joins get a dashed orange line named after it
  // (drawn only, not one of the data's edges: the edge table and the exports hold the
  // network's own relations).
  var FORMAT_LINK_PREFIX = "format-link|";
  function formatLinks(data) {
    var links = {};
    var joined = {};
    (data.edges || []).forEach(function (e) { joined[e.from + "|" + e.to] = joined[e.to + "|" + e.from] = true; });
    (data.routes || []).forEach(function (route, r) {
      ((data.route_formats || [])[r] || []).forEach(function (step) {
        var a = route[step.at], b = route[step.at + 1];
        if (!state.byId[a] || !state.byId[b] || joined[a + "|" + b]) { return; }
        var id = FORMAT_LINK_PREFIX + step.key + "|" + [a, b].sort().join("|");
        links[id] = { id: id, from: a, to: b, type: "format", route: true,
          label: step.name + " (" + TEXT.format + ")", dashes: [10, 6], width: 3,
          color: { color: "#e67e22" },
          font: { size: 12, color: "#7e3d05", strokeWidth: 3, strokeColor: "#ffffff", align: "middle" } };
      });
    });
    return Object.keys(links).map(function (id) { return links[id]; });
  }

  // --- accessible table -------------------------------------------------------------------
  function fillTable() {
    var body = document.querySelector("#network-node-table tbody");
    var rows = [];
    state.data.nodes.forEach(function (n) {
      var info = n.info;
      var tr = document.createElement("tr");
      var name = nodeCell("th", n.id);
      name.scope = "row";
      tr.appendChild(name);
      tr.appendChild(el("td", label("type", info.type)));
      var traits = [];
      ["tier", "level", "sector", "topic", "status"].forEach(function (f) {
        if (info[f]) { traits.push(display(f, info[f])); }
      });
      if (info.aggregate) { traits.push(TEXT.members + ": " + (info.type === "kreis" ? info.municipalities : info.actors)); }
      tr.appendChild(el("td", traits.join(", ")));
      tr.appendChild(el("td", info.degree));
      tr.appendChild(el("td", info.taktgeber && info.taktgeber.key === info.key ? info.taktgeber.rank : ""));
      tr.appendChild(el("td", (info.gaps || []).map(function (g) { return g.message; }).join(" ") || (info.gap_count || "")));
      rows.push(tr);
    });
    body.replaceChildren.apply(body, rows);
    var edgeBody = document.querySelector("#network-edge-table tbody");
    var edgeRows = state.data.edges.map(function (e) {
      var tr = document.createElement("tr");
      // a one-way tie reads from its source to its target; an actor acts for its
      // municipality (actor -> municipality)
      var ends = e.arrows === "from" ? [e.to, e.from] : [e.from, e.to];
      if (e.type === "acts_for" && state.byId[ends[0]] &&
          state.byId[ends[0]].info.type === "municipality") {
        ends.reverse();
      }
      ends.forEach(function (end) { tr.appendChild(nodeCell("td", end)); });
      tr.appendChild(el("td", edgeText(e)));
      return tr;
    });
    edgeBody.replaceChildren.apply(edgeBody, edgeRows);
    // the transfer paths of the chosen Handlungsfeld: from, via, to
    // (each stop named with its kind; a step through a format, which is no node of the
    // drawing, names the format between the two of its participants it joins)
    var routes = state.data.routes || [];
    var routeFormats = state.data.route_formats || [];
    var routeBody = document.querySelector("#network-route-table tbody");
    var routeRows = routes.map(function (route, r) {
      var tr = document.createElement("tr");
      tr.appendChild(nodeCell("td", route[0]));
      var via = el("td");
      var formatAt = {};
      (routeFormats[r] || []).forEach(function (step) { formatAt[step.at] = step; });
      route.slice(1, -1).forEach(function (id, i) {
        if (i) { via.appendChild(document.createTextNode(" → ")); }
        via.appendChild(nodeCell("span", id));
        var item = state.byId[id];
        if (item) { via.appendChild(document.createTextNode(" (" + label("type", item.info.type) + ")")); }
        var step = formatAt[i + 1];
        if (step && i + 2 < route.length - 1) {
          via.appendChild(document.createTextNode(" → "));
          via.appendChild(formatCell(step));
        }
      });
      tr.appendChild(via);
      tr.appendChild(nodeCell("td", route[route.length - 1]));
      return tr;
    });
    routeBody.replaceChildren.apply(routeBody, routeRows);
    document.getElementById("network-routes").hidden = !routeRows.length;
  }

  // an edge's kind in words: its type, then its tie kinds, roles or merged kinds
  function edgeText(e) {
    var vocabulary = { tie: "tie_kind", participation: "role" }[e.type];
    var kinds = (e.kinds || []).map(function (k) {
      return vocabulary ? label(vocabulary, k) : (TEXT.edge_types[k] || k);
    });
    var text = (TEXT.edge_types[e.type] || e.type) + (kinds.length ? ": " + kinds.join(", ") : "");
    if (e.count) { text += " (" + e.count.toLocaleString(numberLocale) + ")"; }
    return text + (e.arrows === "to, from" ? " (" + TEXT.both_ways + ")" : "");
  }

  var tableToggle = document.getElementById("network-table-toggle");
  tableToggle.addEventListener("click", function () {
    var table = document.getElementById("network-table");
    table.hidden = !table.hidden;
    tableToggle.setAttribute("aria-expanded", String(!table.hidden));
    tableToggle.textContent = table.hidden ? TEXT.show_table : TEXT.hide_table;
  });

  // --- loading and drawing ----------------------------------------------------------------
  function draw(data) {
    state.data = data;
    state.byId = {};
    state.panelId = null;
    var names = document.getElementById("network-names");
    var options = [];
    data.nodes.forEach(function (n) {
      state.byId[n.id] = n;
      n.title = tooltip(n.info);
      var option = document.createElement("option");
      option.value = n.info.name || n.info.key;
      options.push(option);
    });
    names.replaceChildren.apply(names, options.slice(0, 2000));
    state.nodes = new vis.DataSet(data.nodes);
    state.edges = new vis.DataSet(data.edges.concat(formatLinks(data)));
    var visOptions = {
      physics: { enabled: !!data.physics },
      layout: { randomSeed: 0, improvedLayout: false },
      interaction: { hover: true, tooltipDelay: 150,
        hideEdgesOnDrag: data.nodes.length > 300 },
      nodes: { font: { size: 16, face: "sans-serif", strokeWidth: 3, strokeColor: "#ffffff" } },
      edges: { smooth: false, selectionWidth: 2 }
    };
    if (state.network) { state.network.destroy(); }
    app.dataset.state = "drawing";
    state.network = new vis.Network(container, { nodes: state.nodes, edges: state.edges }, visOptions);
    state.network.on("beforeDrawing", function (ctx) {
      // a white background, so the PNG export is not transparent
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
      ctx.restore();
    });
    state.network.once("afterDrawing", function () {
      app.dataset.state = "ready";
      window.networkReadyAt = performance.now();
    });
    state.network.on("showPopup", function () {
      // vis-network makes its tooltip element itself: give it the page's font (view.css)
      var tip = container.querySelector("div.vis-tooltip");
      if (tip) { tip.classList.add("network-tooltip-box"); }
    });
    state.network.on("click", function (params) {
      if (params.nodes.length) { openPanel(params.nodes[0]); }
    });
    showCounts();
    fillTable();
    panel.hidden = true;
    state.network.on("zoom", function () { scheduleLabels(); });
    state.network.on("dragEnd", function (params) {  // a moved node: its label anew
      if (params.nodes && params.nodes.length) { scheduleLabels(); }
    });
    state.network.once("afterDrawing", function () { decorate(true); });
    var wanted = new URLSearchParams(location.search).get("focus");
    if (wanted && state.byId[wanted]) {
      state.network.selectNodes([wanted]);
      openPanel(wanted);
      showAround(wanted, false);
    }
  }

  // A found node is shown with its direct neighbours around it, so the reader sees where it
  // sits; zoomed in no further than labels need (a node without neighbours is centred).
  // (after the side panel opened: the drawing area is measured anew first)
  // The box is that of the nodes' centres, not vis-network's fit, which counts the labels:
  // the important ones are drawn larger the further out the view is, so on a phone a fit
  // from the overview stayed at the overview. The found node keeps its label, and the
  // labels are sized for the new zoom once the view has moved (vis-network reports a zoom
  // only when the reader zooms).
  // (the margin left and right leaves room for the labels, centred under their nodes)
  var AROUND_MARGIN_PX = 48, AROUND_MAX_SCALE = 1.3;
  function showAround(id, animation) {
    var around = [id].concat(state.network.getConnectedNodes(id));
    state.found = id;
    state.important = importantIds();
    state.network.setSize("100%", "100%");
    var pos = state.network.getPositions(around);
    var xs = around.map(function (n) { return pos[n].x; });
    var ys = around.map(function (n) { return pos[n].y; });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    var width = container.clientWidth, height = container.clientHeight;
    var sideways = Math.max(AROUND_MARGIN_PX, Math.min(120, width / 4));
    var scale = Math.min(AROUND_MAX_SCALE,
                         Math.max(width - 2 * sideways, 1) / Math.max(maxX - minX, 1),
                         Math.max(height - 2 * AROUND_MARGIN_PX, 1) / Math.max(maxY - minY, 1));
    if (animation) { state.network.once("animationFinished", sizeLabels); }
    state.network.moveTo({ position: { x: (minX + maxX) / 2, y: (minY + maxY) / 2 },
                           scale: Math.max(scale, 0.05), animation: animation });
    if (!animation) { sizeLabels(); }
  }

  // --- readability: labels, ego view --------------------------------------------------------
  // The most important nodes (best Taktgeber candidates, best connected, the ego, the node
  // found by the search) keep a label of at least LABEL_MIN_PX screen pixels at every zoom;
  // the others show theirs once zoomed in far enough to read them (and on hover, in the tooltip).
  var LABEL_MIN_PX = 12, LABEL_HIDE_PX = 9, LABEL_FONT = 14, IMPORTANT_COUNT = 10;
  function importantIds() {
    var ids = {};
    var nodes = state.data.nodes;
    nodes.filter(function (n) { return n.info.taktgeber && n.info.taktgeber.rank <= IMPORTANT_COUNT; })
      .forEach(function (n) { ids[n.id] = true; });
    nodes.slice().sort(function (a, b) { return (b.info.degree || 0) - (a.info.degree || 0); })
      .slice(0, IMPORTANT_COUNT).forEach(function (n) { ids[n.id] = true; });
    if (state.ego && state.byId[state.ego]) { ids[state.ego] = true; }
    if (state.found && state.byId[state.found]) { ids[state.found] = true; }
    return ids;
  }
  function labelFont(important, scale) {
    if (important) {
      return { size: Math.max(LABEL_FONT, Math.ceil(LABEL_MIN_PX / scale)), color: "#17202a",
        strokeWidth: 4, strokeColor: "#ffffff", bold: { color: "#17202a" } };
    }
    var shown = LABEL_FONT * scale >= LABEL_HIDE_PX;
    return { size: LABEL_FONT, color: shown ? "#34495e" : "rgba(0,0,0,0)",
      strokeWidth: shown ? 3 : 0, strokeColor: "#ffffff" };
  }
  function sizeLabels() {
    if (!state.network || !state.data) { return; }
    var scale = state.network.getScale();
    var important = state.important || {};
    var fonts = {};
    state.data.nodes.forEach(function (n) { fonts[n.id] = labelFont(!!important[n.id], scale); });
    declutter(fonts, scale);
    state.nodes.update(state.data.nodes.map(function (n) {
      n.font = fonts[n.id];
      return { id: n.id, font: n.font };
    }));
  }
  // Labels never overlap on the screen: in the order of importance (the found node, the ego,
  // the best Taktgeber candidates, the best connected, the others) each shown label is kept
  // only where it does not cover one kept before; the others show on hover and when zoomed
  // in (user pass: at 390 px the names piled on each other and were cut at the edge).
  var measure = document.createElement("canvas").getContext("2d");
  function rank(n) {
    if (n.id === state.found) { return -3; }
    if (n.id === state.ego) { return -2; }
    var tg = n.info.taktgeber && n.info.taktgeber.rank;
    return tg ? -1 + tg / 1e4 : 1 / (1 + (n.info.degree || 0));
  }
  function labelBox(n, font, scale, at) {
    var px = font.size * scale;
    measure.font = px + "px sans-serif";
    var lines = String(n.label || "").split("\n");
    var wide = Math.max.apply(null, lines.map(function (l) { return measure.measureText(l).width; }));
    var top = at.y + (n.size || 10) * scale + 1;  // drawn below its dot, square or diamond
    return { left: at.x - wide / 2 - 2, right: at.x + wide / 2 + 2, top: top,
             bottom: top + px * 1.25 * lines.length };
  }
  function declutter(fonts, scale) {
    var nodes = state.data.nodes.filter(function (n) {
      return fonts[n.id].strokeWidth > 0 && state.nodes.get(n.id);
    }).sort(function (a, b) { return rank(a) - rank(b); });
    var at = state.network.getPositions(nodes.map(function (n) { return n.id; }));
    var width = container.clientWidth;
    var kept = [];
    nodes.forEach(function (n) {
      if (!at[n.id]) { return; }
      var centre = state.network.canvasToDOM(at[n.id]);
      var box = labelBox(n, fonts[n.id], scale, centre);
      // a node in view whose label would be cut at the drawing's edge keeps it for hover
      var cut = centre.x >= 0 && centre.x <= width && (box.left < 0 || box.right > width);
      var clash = cut || kept.some(function (k) {
        return box.left < k.right && k.left < box.right && box.top < k.bottom && k.top < box.bottom;
      });
      if (clash && n.id !== state.found && n.id !== state.ego) {
        fonts[n.id] = { size: fonts[n.id].size, color: "rgba(0,0,0,0)", strokeWidth: 0,
                        strokeColor: "#ffffff" };
      } else {
        kept.push(box);
      }
    });
  }
  var labelTimer = null;
  function scheduleLabels() {
    if (labelTimer) { clearTimeout(labelTimer); }
    labelTimer = setTimeout(function () { labelTimer = null; sizeLabels(); }, 120);
  }
  // The label height of a node on the screen, in CSS pixels (for the tests).
  state.labelPixels = function (id) {
    var n = state.nodes.get(id);
    return n && n.font ? n.font.size * state.network.getScale() : 0;
  };
  // Ego view: its municipality centred, highlighted (thick dark border, bold label) and its
  // direct neighbours at full strength; the rest faded.
  function egoStyle() {
    var ego = state.ego;
    if (!ego || !state.byId[ego]) { return []; }
    var near = {};
    near[ego] = true;
    state.network.getConnectedNodes(ego).forEach(function (id) { near[id] = true; });
    return state.data.nodes.map(function (n) {
      if (n.id === ego) {
        var colour = n.color && typeof n.color === "object" ? n.color : {};
        n.marks = (n.marks || []).filter(function (m) { return m !== "ego"; }).concat(["ego"]);
        return { id: n.id, borderWidth: 7, opacity: 1, shadow: { enabled: true, size: 14, color: "rgba(0,0,0,0.45)" },
          color: { background: colour.background, border: "#000000",
            highlight: { background: colour.background, border: "#000000" } },
          marks: n.marks, size: Math.max(n.size || 10, 28) };
      }
      return { id: n.id, opacity: near[n.id] ? (n.provenance === "assumed" ? 0.45 : 1) : 0.25 };
    });
  }
  function decorate(first) {
    if (!state.network || !state.data) { return; }
    state.ego = (state.data.query || {}).ego || null;
    state.important = importantIds();
    var updates = egoStyle();
    if (updates.length) { state.nodes.update(updates); }
    if (first && state.ego && state.byId[state.ego]) {
      state.network.moveTo({ position: state.network.getPositions([state.ego])[state.ego], animation: false });
    }
    sizeLabels();
  }

  function showCounts() {
    var data = state.data;
    var status = fill(TEXT.shown, { drawn: data.counts.drawn, total: data.counts.total });
    if (data.mode !== "full") { status += ". " + TEXT["aggregated_" + data.mode]; }
    setStatus(status);
  }

  // --- analysis marks ---------------------------------------------------------------------
  // The delta from the drawn data to the marked data (graphs.vis.marks_delta): changed
  // fields and new items by id, or with "replace" the whole lists to draw anew.
  function applyMarks(delta) {
    var data = state.data;
    ["mode", "counts", "top", "routes", "route_formats", "suggested_ties"].forEach(function (part) { data[part] = delta[part]; });
    // nodes moved by hand since the drawing keep where they were put (the marks arrive
    // late, maybe after a drag: they must not undo it, nor may a save then store the
    // layout as drawn before the drag)
    var moved = movedNodes();
    if (delta.replace) {
      var openId = state.panelId;
      data.nodes = delta.nodes;
      data.edges = delta.edges;
      setAnalysis("ready", "");
      draw(data);
      var keep = Object.keys(moved).filter(function (id) { return state.byId[id]; });
      if (keep.length) {
        state.nodes.update(keep.map(function (id) { return { id: id, x: moved[id].x, y: moved[id].y }; }));
      }
      if (openId && state.byId[openId]) { openPanel(openId); }
      return;
    }
    var nodeUpdates = delta.nodes.map(function (change) {
      var item = state.byId[change.id];
      var update;
      if (item) {
        Object.keys(change).forEach(function (k) { item[k] = change[k]; });
        update = Object.assign({}, change);
        if (moved[change.id]) { update.x = moved[change.id].x; update.y = moved[change.id].y; }
      } else {
        item = change;
        state.byId[item.id] = item;
        data.nodes.push(item);
        update = item;
      }
      item.title = tooltip(item.info);
      update.title = item.title;
      return update;
    });
    var edgesById = {};
    data.edges.forEach(function (e) { edgesById[e.id] = e; });
    var edgeUpdates = delta.edges.map(function (change) {
      var item = edgesById[change.id];
      if (item) {
        Object.keys(change).forEach(function (k) { item[k] = change[k]; });
      } else {
        item = change;
        data.edges.push(item);
      }
      return item;
    });
    state.nodes.update(nodeUpdates);
    state.edges.update(edgeUpdates);
    // the format lines of the routes as they are now
    state.edges.remove(state.edges.getIds({ filter: function (e) { return String(e.id).indexOf(FORMAT_LINK_PREFIX) === 0; } }));
    state.edges.add(formatLinks(data));
    decorate(false);
    setAnalysis("ready", "");
    showCounts();
    fillTable();
    if (state.panelId && !panel.hidden) { openPanel(state.panelId); }
  }

  // the drawn nodes that are no longer where the data put them (dragged, moved): id -> {x, y}
  function movedNodes() {
    var moved = {};
    if (!state.network || !state.data) { return moved; }
    var drawn = state.network.getPositions();
    Object.keys(drawn).forEach(function (id) {
      var item = state.byId[id];
      if (item && (Math.abs(drawn[id].x - item.x) > 0.5 || Math.abs(drawn[id].y - item.y) > 0.5)) {
        moved[id] = drawn[id];
      }
    });
    return moved;
  }

  function fetchJSON(url) {
    return fetch(url, {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () {
        return { error: response.status + " " + response.statusText };
      }).then(function (body) {
        if (!response.ok) {
          var details = (body.details || []).map(function (d) { return d.message; });
          var error = new Error([body.error].concat(details).join(" "));
          error.problems = response.status === 422 ? details : null;
          throw error;
        }
        return body;
      });
    });
  }

  // The server never waits for an analysis: while the region's report is being computed,
  // marks.json answers 202 with its progress (no report yet: ask again shortly) or the
  // marks of the last report with "stale" (drawn, and once the new report is ready the
  // view is loaded again with its marks).
  function progressText(status) {
    var text = TEXT.analysing;
    if (status && status.progress !== null && status.progress !== undefined) {
      text += " (" + Math.round(100 * status.progress) + " %)";
    }
    return text;
  }

  function loadMarks(query, load) {
    setAnalysis("pending", TEXT.analysing);
    return fetchJSON(app.dataset.marksUrl + (query ? "?" + query : "")).then(function (delta) {
      if (load !== state.loads) { return; }
      if (delta.pending) {
        setAnalysis("pending", progressText(delta.status));
        setTimeout(function () {
          if (load === state.loads) { loadMarks(query, load); }
        }, 1500);
        return;
      }
      applyMarks(delta);
      window.networkAnalysedAt = performance.now();
      if (delta.stale) {
        setAnalysis("stale", TEXT.recomputing);
        waitForReport(query, load, delta.status_url);
      }
    }).catch(function (error) {
      if (load === state.loads) { setAnalysis("error", TEXT.analysis_failed + " " + error.message); }
    });
  }

  function waitForReport(query, load, statusUrl) {
    setTimeout(function () {
      if (load !== state.loads) { return; }
      fetchJSON(statusUrl).then(function (status) {
        if (load !== state.loads) { return; }
        if (status.state === "ready") { load_(currentQuery()); return; }
        if (status.state === "failed") { setAnalysis("error", status.state_text); return; }
        waitForReport(query, load, statusUrl);
      }).catch(function () { waitForReport(query, load, statusUrl); });
    }, 2000);
  }

  function currentQuery() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") { params.append(name, value); }
    });
    // all three types checked is the same as no type filter
    if (params.getAll("type").length === 3) { params.delete("type"); }
    return params;
  }

  function applyQuery(changes) {
    Object.keys(changes || {}).forEach(function (name) {
      var value = changes[name];
      form.querySelectorAll('input[type="hidden"][name="' + name + '"]').forEach(function (h) { h.remove(); });
      var field = form.elements.namedItem(name);
      if (field && !(field instanceof RadioNodeList) && field.type !== "hidden") {
        field.value = value;
      } else {
        [].concat(value).forEach(function (v) {
          var hidden = document.createElement("input");
          hidden.type = "hidden"; hidden.name = name; hidden.value = v;
          form.appendChild(hidden);
        });
      }
    });
    load(currentQuery());
  }

  // The export links carry the query; they are offered only once the server has accepted
  // it (a refused query would only download an error).
  function exportLinks(params) {
    ["graphml", "gexf"].forEach(function (fmt) {
      var link = document.getElementById("export-" + fmt);
      link.href = link.href.split("?")[0] + (params.toString() ? "?" + params : "");
    });
    exportBox.hidden = false;
  }

  function load_(params) { return load(params); }

  // A picture drawn before the latest change ("stale": the new one is being drawn right
  // now, by this server or another): said so, asked for again once a little later, and
  // a button to ask again by hand (a large network's takes seconds).
  var staleBox = document.getElementById("network-stale");
  var STALE_RETRY_MS = 2500;
  function showStale(stale, params, thisLoad) {
    staleBox.hidden = !stale;
    if (!stale || state.staleRetried === thisLoad) { return; }
    setTimeout(function () {
      if (thisLoad !== state.loads) { return; }  // the viewer asked for something else
      state.staleRetried = thisLoad + 1;  // the load below is the retry: not again
      load(params);
    }, STALE_RETRY_MS);
  }
  document.getElementById("network-stale-reload").addEventListener("click", function () {
    load(currentQuery());
  });

  function load(params) {
    var thisLoad = ++state.loads;
    app.dataset.state = "loading";
    problemBox.hidden = true;
    setStatus(TEXT.loading);
    setAnalysis("pending", "");
    var query = params.toString();
    history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
    exportBox.hidden = true;
    return fetchJSON(app.dataset.dataUrl + (query ? "?" + query : "")).then(function (data) {
      if (thisLoad !== state.loads) { return; }  // a newer query is on its way
      exportLinks(params);
      draw(data);
      showStale(data.stale, params, thisLoad);
      return loadMarks(query, thisLoad);
    }).catch(function (error) {
      if (thisLoad !== state.loads) { return; }
      setAnalysis("error", "");
      if (error.problems && error.problems.length) {
        showProblems(error.problems);
        return;
      }
      app.dataset.state = "error";
      setStatus(TEXT.error + " " + error.message);
    });
  }

  // A query the server refuses (422, e.g. an unknown topic in a shared link): its messages,
  // each naming the field, and no graph (an empty or an older one would mislead).
  function showProblems(messages) {
    var list = document.getElementById("network-problem-list");
    list.replaceChildren.apply(list, messages.map(function (m) { return el("li", m); }));
    problemBox.hidden = false;
    if (state.network) { state.network.destroy(); }
    state.network = null;
    state.data = null;
    state.byId = {};
    panel.hidden = true;
    document.querySelector("#network-node-table tbody").replaceChildren();
    document.querySelector("#network-edge-table tbody").replaceChildren();
    document.querySelector("#network-route-table tbody").replaceChildren();
    document.getElementById("network-routes").hidden = true;
    setStatus("");
    app.dataset.state = "invalid";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(currentQuery());
  });
  form.addEventListener("change", function () { load(currentQuery()); });

  // --- search -----------------------------------------------------------------------------
  document.getElementById("network-search").addEventListener("submit", function (event) {
    event.preventDefault();
    var wanted = document.getElementById("network-search-input").value.trim().toLowerCase();
    if (!wanted || !state.data) { return; }
    var exact = null, partial = null;
    state.data.nodes.forEach(function (n) {
      var name = String(n.info.name || "").toLowerCase();
      var key = String(n.info.key).toLowerCase();
      if (!exact && (name === wanted || key === wanted)) { exact = n; }
      if (!partial && (name.indexOf(wanted) >= 0 || key.indexOf(wanted) >= 0)) { partial = n; }
    });
    var found = exact || partial;
    if (!found) { setStatus(TEXT.not_found); return; }
    state.network.selectNodes([found.id]);
    openPanel(found.id);
    showAround(found.id, { duration: 300 });
  });

  // --- full screen, layout reset ------------------------------------------------------------
  var stage = document.querySelector(".network-stage");
  var fullButton = document.getElementById("network-fullscreen");
  if (fullButton && stage.requestFullscreen) {
    fullButton.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); } else { stage.requestFullscreen(); }
    });
    document.addEventListener("fullscreenchange", function () {
      fullButton.setAttribute("aria-pressed", document.fullscreenElement ? "true" : "false");
      if (state.network) { setTimeout(function () { state.network.fit({ animation: false }); decorate(false); }, 50); }
    });
  } else if (fullButton) { fullButton.hidden = true; }
  var resetButton = document.getElementById("network-reset-layout");
  if (resetButton) {
    resetButton.addEventListener("click", function () {
      // positions as the server laid them out (or as saved): nodes dragged since go back
      if (!state.network || !state.data) { return; }
      state.nodes.update(state.data.nodes.map(function (n) { return { id: n.id, x: n.x, y: n.y }; }));
      state.network.fit({ animation: false });
      decorate(true);
    });
  }

  // --- PNG export -------------------------------------------------------------------------
  // The whole visible network at print resolution (PRINT_WIDTH pixels wide) with a title,
  // the region, the active filters, the legend and the date: drawn into an offscreen canvas
  // from vis-network's own drawing at a scale that fits everything.
  var PRINT_WIDTH = 3508, PRINT_HEIGHT = 2480;  // A4 landscape at 300 dpi
  function activeFilters() {
    var parts = [];
    form.querySelectorAll("select").forEach(function (select) {
      if (select.value && select.name !== "metric") {
        var labelText = select.closest("label") ? select.closest("label").firstChild.textContent.trim() : select.name;
        parts.push(labelText + ": " + select.options[select.selectedIndex].text);
      }
    });
    var unchecked = Array.prototype.filter.call(form.querySelectorAll("input[name=type]"), function (c) { return !c.checked; });
    if (unchecked.length) {
      parts.push(TEXT.png_types + ": " + Array.prototype.filter.call(form.querySelectorAll("input[name=type]"), function (c) { return c.checked; })
        .map(function (c) { return c.parentNode.textContent.trim(); }).join(", "));
    }
    return parts.length ? parts.join(" · ") : TEXT.png_no_filter;
  }
  function exportPng() {
    var net = state.network;
    var view = { position: net.getViewPosition(), scale: net.getScale() };
    var canvas = container.querySelector("canvas");
    var ratio = canvas.width / canvas.clientWidth;
    var head = 260, foot = 300;
    var out = document.createElement("canvas");
    out.width = PRINT_WIDTH;
    out.height = PRINT_HEIGHT;
    var ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    // fit the whole network into the drawing area, then copy the on-screen canvas scaled up:
    // redraw at a high pixel ratio first so the copy is sharp
    var box = { w: out.width - 120, h: out.height - head - foot };
    var oldRatio = net.canvas.pixelRatio;
    var factor = Math.min(4, Math.max(1, box.w / canvas.clientWidth));
    net.canvas.pixelRatio = factor;
    net.canvas.setSize();
    net.fit({ animation: false });
    net.redraw();
    var source = container.querySelector("canvas");
    var k = Math.min(box.w / source.width, box.h / source.height);
    var w = source.width * k, h = source.height * k;
    ctx.drawImage(source, 60 + (box.w - w) / 2, head + (box.h - h) / 2, w, h);
    net.canvas.pixelRatio = oldRatio || ratio;
    net.canvas.setSize();
    net.moveTo({ position: view.position, scale: view.scale, animation: false });
    net.redraw();
    ctx.fillStyle = "#17202a";
    ctx.font = "bold 72px sans-serif";
    ctx.fillText(document.querySelector(".page-head h1").firstChild.textContent.trim() + " – " + TEXT.png_region, 60, 110);
    ctx.font = "40px sans-serif";
    ctx.fillStyle = "#34495e";
    ctx.fillText(TEXT.png_filters + ": " + activeFilters(), 60, 180);
    ctx.fillText(TEXT.png_date, 60, 235);
    // the legend: swatches of the node colours and the marks
    var x = 60, y = out.height - foot + 90;
    ctx.font = "34px sans-serif";
    TEXT.png_legend.forEach(function (item) {
      var width = ctx.measureText(item[1]).width + 110;
      if (x + width > out.width - 60) { x = 60; y += 70; }
      ctx.fillStyle = item[0];
      ctx.strokeStyle = "#1c2833";
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(x + 20, y - 12, 20, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = "#17202a";
      ctx.fillText(item[1], x + 55, y);
      x += width;
    });
    return out;
  }
  document.getElementById("network-png").addEventListener("click", function () {
    if (!state.network) { return; }
    var out = exportPng();
    var link = document.createElement("a");
    link.download = app.dataset.slug + "-netzwerk.png";
    link.href = out.toDataURL("image/png");
    document.body.appendChild(link);
    link.click();
    link.remove();
  });

  // --- saving positions (coordinator) -----------------------------------------------------
  var saveButton = document.getElementById("network-save");
  if (saveButton) {
    // the answer in its own line (the counts in the status line are rewritten when the
    // analysis marks arrive) and as data-save="done" / "failed" on the app
    var savedLine = document.getElementById("network-saved");
    var saved = function (value, text) {
      app.dataset.save = value;
      savedLine.textContent = text;
      savedLine.hidden = !text;
    };
    saveButton.addEventListener("click", function () {
      if (!state.network) { return; }
      saved("saving", "");
      var raw = state.network.getPositions();
      var positions = {};
      Object.keys(raw).forEach(function (id) {
        positions[id] = [Math.round(raw[id].x * 10) / 10, Math.round(raw[id].y * 10) / 10];
      });
      fetch(app.dataset.positionsUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfMeta.content,
          Accept: "application/json" },
        body: JSON.stringify({ positions: positions })
      }).then(function (response) {
        return response.json().catch(function () {
          return { error: response.status + " " + response.statusText };
        }).then(function (body) {
          if (!response.ok) { throw new Error(body.error || response.status); }
          saved("done", TEXT.saved + " " + body.saved);
        });
      }).catch(function (error) { saved("failed", TEXT.save_failed + " " + error.message); });
    });
  }

  load(new URLSearchParams(location.search));
})();
