/* The map of a region (templates/view/map.html): Leaflet, served by the app. Members as
   circle markers (area by the chosen measure, population unless another is chosen;
   colour by tier), regional bodies as squares, initiatives
   as lines from the middle of their carriers to each carrier, a topic's transfer routes in
   orange, over the vendored Germany and Länder outlines. A tile layer only when the page
   carries data-tiles-url (MAP_TILES_URL). Every text goes in with textContent or as a DOM
   node (tooltips too): nothing from the data is parsed as HTML. */
(function () {
  "use strict";
  var app = document.getElementById("map-app");
  if (!app || typeof L === "undefined") { return; }
  var T = JSON.parse(document.getElementById("map-text").textContent);
  var status = document.getElementById("map-status");
  var panel = document.getElementById("map-panel");
  var searchable = {};

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }
  function tip(lines) {  // a tooltip's content as a DOM node (never an HTML string)
    var box = el("div", null, "map-tip");
    lines.forEach(function (line, i) { box.appendChild(el(i ? "div" : "strong", line)); });
    return box;
  }
  function number(value) {
    return typeof value === "number" ? value.toLocaleString(document.documentElement.lang || "de") : value;
  }

  var map = L.map("map-canvas", {zoomSnap: 0.25, preferCanvas: false, attributionControl: true});
  map.attributionControl.setPrefix("Leaflet");
  var tiles = app.dataset.tilesUrl;
  if (tiles) {
    L.tileLayer(tiles, {attribution: app.dataset.tilesAttribution || "", maxZoom: 18}).addTo(map);
  }
  map.setView([51.16, 10.45], 6);

  function outline(url, style, attribution) {
    return fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (geo) {
        var layer = L.geoJSON(geo, {style: style, interactive: false, attribution: attribution});
        layer.addTo(map);
        layer.bringToBack();
        return layer;
      }).catch(function () { return null; });
  }
  var outlines = Promise.all([
    outline(app.dataset.germanyUrl, {color: "#566573", weight: 2, fill: true, fillColor: "#fbfcfc", fillOpacity: tiles ? 0 : 1, className: "map-germany"}, T.natural_earth),
    outline(app.dataset.laenderUrl, {color: "#aab7b8", weight: 1, fill: false, dashArray: "4 3", className: "map-laender"}, T.bkg)
  ]).then(function (layers) {
    // Germany's opaque area at the very back, the Länder lines above it, whichever file
    // came first (else the Länder could end up hidden behind the area)
    if (layers[1]) { layers[1].bringToBack(); }
    if (layers[0]) { layers[0].bringToBack(); }
    return layers;
  });

  function showPanel(title, type, facts, links) {
    document.getElementById("map-panel-title").textContent = title;
    document.getElementById("map-panel-type").textContent = type;
    var dl = document.getElementById("map-panel-facts");
    dl.replaceChildren();
    facts.forEach(function (f) {
      if (f[1] === null || f[1] === undefined || f[1] === "" || (Array.isArray(f[1]) && !f[1].length)) { return; }
      dl.appendChild(el("dt", f[0]));
      dl.appendChild(el("dd", Array.isArray(f[1]) ? f[1].join(", ") : number(f[1])));
    });
    var p = document.getElementById("map-panel-links");
    p.replaceChildren();
    links.forEach(function (l) { var a = el("a", l[0]); a.href = l[1]; p.appendChild(a); });
    panel.hidden = false;
    map.invalidateSize();
  }
  document.getElementById("map-panel-close").addEventListener("click", function () { panel.hidden = true; map.invalidateSize(); });

  function label(data, vocabulary, value) {
    return (data.labels[vocabulary] || {})[value] || value;
  }
  function url(data, kind, key) { return data.urls[kind].replace("__KEY__", encodeURIComponent(key)); }

  // "Größe nach": the members' circles sized by the chosen measure (population unless the
  // query asks for another), resized at once when another is chosen
  var metricSelect = document.querySelector('#network-filters select[name="metric"]');
  var sized = [];  // [marker, member]
  var sizeNote = document.getElementById("map-size-pending");
  function chosenMetric() {
    return new URLSearchParams(window.location.search).get("metric") || "population";
  }
  function radiusOf(value, largest) {
    return 5 + 20 * Math.sqrt(Math.max(0, Number(value) || 0) / largest);
  }
  function resize(metric) {
    var values = sized.map(function (pair) { return (pair[1].sizes || {})[metric]; });
    var missing = values.some(function (v) { return v === null || v === undefined; });
    var largest = Math.max.apply(null, [0].concat(values.map(function (v) { return Number(v) || 0; }))) || 1;
    sized.forEach(function (pair, i) { pair[0].setRadius(radiusOf(values[i], largest)); });
    app.dataset.metric = metric;
    var legend = document.getElementById("map-size-metric");
    if (legend && metricSelect) {
      var option = metricSelect.querySelector('option[value="' + metric + '"]');
      legend.textContent = option ? option.textContent : metric;
    }
    if (sizeNote) { sizeNote.hidden = !missing; }
  }
  if (metricSelect) {
    metricSelect.value = chosenMetric();
    metricSelect.addEventListener("change", function () {
      var params = new URLSearchParams(window.location.search);
      params.set("metric", metricSelect.value);
      history.replaceState(null, "", window.location.pathname + "?" + params.toString());
      if (sized.length) { resize(metricSelect.value); }
    });
  }

  function draw(data) {
    var layers = L.featureGroup();
    var colours = data.colours;
    var rows = [];
    data.routes.forEach(function (route) {
      L.polyline(route.points, {color: colours.route, weight: 5, opacity: 0.85, className: "map-route"})
        .bindTooltip(tip([T.route, route.names.join(" → ")]), {sticky: true}).addTo(layers);
    });
    data.initiatives.forEach(function (i) {
      i.carriers.forEach(function (c) {
        L.polyline([[i.lat, i.lon], [c.lat, c.lon]], {color: "#b7950b", weight: 1.5, opacity: 0.6, dashArray: "5 4", interactive: false}).addTo(layers);
      });
    });
    var focusKey = new URLSearchParams(window.location.search).get("focus");
    var focused = null;
    data.municipalities.forEach(function (m) {
      var marker = L.circleMarker([m.lat, m.lon], {
        radius: 5, color: "#1c2833", weight: 1.5, fillColor: colours.tier[m.tier] || "#95a5a6",
        fillOpacity: m.provenance === "assumed" ? 0.45 : 0.9, className: "map-municipality map-node-" + m.key
      });
      marker.bindTooltip(tip([m.name, label(data, "tier", m.tier) + (m.population ? " · " + number(m.population) + " " + T.fields.population : "")]));
      marker.on("click", function () {
        showPanel(m.name, T.municipality, [[T.fields.tier, label(data, "tier", m.tier)], [T.fields.kind, label(data, "kind", m.kind)],
          [T.fields.population, m.population], [T.fields.district, m.district], [T.fields.provenance, label(data, "provenance", m.provenance)],
          [T.fields.actors, m.actors]], [[T.open_page, url(data, "municipality", m.key)], [T.ego, url(data, "ego", m.key)]]);
      });
      marker.addTo(layers);
      if (m.key === focusKey) { focused = marker; }
      sized.push([marker, m]);
      searchable[m.name] = marker;
      rows.push([m.name, T.municipality, label(data, "tier", m.tier) + (m.population ? ", " + number(m.population) : "")]);
    });
    data.bodies.forEach(function (b) {
      var seat = b.seat === "region" ? T.seat_region : T.seat_kreis.replace("{name}", b.municipality);
      var icon = L.divIcon({className: "map-body map-node-" + b.key, iconSize: [14, 14]});
      var marker = L.marker([b.lat, b.lon], {icon: icon, keyboard: true, title: b.name});
      marker.bindTooltip(tip([b.name, label(data, "actor_type", b.actor_type), seat]));
      marker.on("click", function () {
        showPanel(b.name, T.body, [[T.fields.actor_type, label(data, "actor_type", b.actor_type)], [T.fields.level, label(data, "level", b.level)],
          [T.fields.sector, label(data, "sector", b.sector)], [T.fields.seat, seat]], [[T.open_page, url(data, "actor", b.key)]]);
      });
      marker.addTo(layers);
      searchable[b.name] = marker;
      rows.push([b.name, T.body, seat]);
    });
    data.initiatives.forEach(function (i) {
      var icon = L.divIcon({className: "map-initiative map-node-" + i.key, iconSize: [14, 14], html: el("span", null, "map-diamond")});
      var marker = L.marker([i.lat, i.lon], {icon: icon, title: i.name});
      var carriers = i.carriers.map(function (c) { return c.name; });
      marker.bindTooltip(tip([i.name, label(data, "topic", i.topic), carriers.join(", ")]));
      marker.on("click", function () {
        showPanel(i.name, T.initiative, [[T.fields.topic, label(data, "topic", i.topic)], [T.fields.status, label(data, "status", i.status)],
          [T.fields.carriers, carriers]], [[T.open_page, url(data, "initiative", i.key)]]);
      });
      marker.addTo(layers);
      searchable[i.name] = marker;
      rows.push([i.name, T.initiative, label(data, "topic", i.topic) + ": " + carriers.join(", ")]);
    });
    resize(metricSelect ? metricSelect.value : chosenMetric());
    layers.addTo(map);
    // without animation: "ready" means the final view (a screenshot or a test reads it)
    if (layers.getLayers().length) { map.fitBounds(layers.getBounds().pad(0.12), {animate: false}); }
    // ?focus=<municipality key> (the link on a municipality's page): centred, its panel open
    if (focused) {
      map.setView(focused.getLatLng(), Math.max(map.getZoom(), 10), {animate: false});
      focused.openTooltip();
      focused.fire("click");
    }
    var tbody = document.querySelector("#map-table tbody");
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      r.forEach(function (cell) { tr.appendChild(el("td", cell)); });
      tbody.appendChild(tr);
    });
    var names = document.getElementById("map-names");
    Object.keys(searchable).sort().forEach(function (name) { var o = document.createElement("option"); o.value = name; names.appendChild(o); });
    if (data.missing.length) {
      var missing = document.getElementById("map-missing");
      missing.textContent = T.missing + " " + data.missing.join(", ");
      missing.hidden = false;
    }
    status.textContent = T.shown.replace("{municipalities}", data.municipalities.length)
      .replace("{bodies}", data.bodies.length).replace("{initiatives}", data.initiatives.length);
    app.dataset.state = "ready";
  }

  document.getElementById("map-search").addEventListener("submit", function (event) {
    event.preventDefault();
    var wanted = document.getElementById("map-search-input").value.trim().toLowerCase();
    // the name itself first ("Olpe", not "Kreis Olpe"), then names that begin with it,
    // then names that contain it
    var names = Object.keys(searchable).sort();
    var found = names.filter(function (n) { return n.toLowerCase() === wanted; })[0] ||
      names.filter(function (n) { return n.toLowerCase().indexOf(wanted) === 0; })[0] ||
      names.filter(function (n) { return n.toLowerCase().indexOf(wanted) >= 0; })[0];
    if (!wanted || !found) { status.textContent = T.not_found; return; }
    var marker = searchable[found];
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), 9));
    marker.openTooltip();
    marker.fire("click");
  });

  var query = window.location.search;
  fetch(app.dataset.dataUrl + query, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, status: response.status, body: body}; });
    })
    .then(function (answer) {
      if (answer.status === 422) {
        var list = document.getElementById("map-problem-list");
        (answer.body.details || []).forEach(function (d) { list.appendChild(el("li", d.message)); });
        document.getElementById("map-problems").hidden = false;
        status.textContent = "";
        app.dataset.state = "invalid";
        return;
      }
      if (!answer.ok) { throw new Error(answer.body.error || answer.status); }
      return outlines.then(function () { draw(answer.body); });
    })
    .catch(function (error) { status.textContent = T.error + " " + error.message; app.dataset.state = "error"; });
})();
