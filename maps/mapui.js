/* Page UI of the offline maps (own code, no dependencies besides Leaflet).
 * SKO.dataLayer: GeoJSON layer styled from properties (classes k_<key> or p[key_arr][key_idx],
 *   radius _r, colour _c), popups/tooltips from pre-escaped HTML (_popup, _tip; without _tip the
 *   tooltip is the escaped _names), search names (_names: {kk, ru, en, alt}).
 * SKO.legend: legend control tied to a layer, shown only while the layer is on the map.
 * SKO.init: language switch (class lang-XX on <body>), search box, title, banners, attribution.
 * Every text taken from data is inserted with textContent or was HTML-escaped in Python.
 */
(function () {
  "use strict";
  var SKO = (window.SKO = window.SKO || {});
  SKO.search = SKO.search || [];
  SKO.legends = SKO.legends || [];
  SKO.layers = SKO.layers || [];
  SKO.lang = SKO.lang || "ru";
  var LANGS = ["kk", "ru", "en"];
  /* UI strings come from maps/i18n.py via SKO.init options (o.text) */
  var PLACEHOLDER = {}, NO_MATCH = {}, LANG_LABEL = {}, SAMPLE = {};
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function spans(t) {
    return LANGS.map(function (l) {
      return '<span class="lang-' + l + '">' + esc(t[l] || "") + "</span>";
    }).join("");
  }

  function classOf(p, o) {
    if (o.key_arr) {
      var arr = p[o.key_arr];
      return arr ? arr[o.key_idx] : null;
    }
    return o.key ? p["k_" + o.key] : null;
  }

  function colorOf(p, o) {
    if (o.color_prop && p[o.color_prop]) return p[o.color_prop];
    if (o.key || o.key_arr) {
      var k = classOf(p, o);
      if (k === null || k === undefined || k < 0) return o.na || "#bdbdbd";
      return o.palette[Math.min(k, o.palette.length - 1)];
    }
    return o.color || "#3b528b";
  }

  function styleOf(p, o) {
    var c = colorOf(p, o);
    var proxy = (o.proxy_prop && p[o.proxy_prop]) || (o.dash_prop && p[o.dash_prop]);
    var k = o.weights ? classOf(p, o) : null;
    var w = o.weights && k !== null && k >= 0 ? o.weights[k] : null;
    if (o.dash_color && o.dash_prop && p[o.dash_prop]) {
      /* approximate links: their own colour and dots, never taken for a road or a border */
      return { color: o.dash_color, weight: o.dash_weight || 1.4, opacity: o.opacity === undefined ? 1 : o.opacity,
               dashArray: o.dash_array || "2 5", lineCap: "round" };
    }
    return {
      color: o.kind === "point" ? (o.stroke || "#222") : c,
      weight: w || p._w || o.weight || (o.kind === "point" ? 1 : 2),
      fillColor: c,
      fillOpacity: o.fill_opacity === undefined ? (o.kind === "polygon" ? 0.15 : 0.9) : o.fill_opacity,
      opacity: o.opacity === undefined ? 1 : o.opacity,
      dashArray: proxy ? "3 3" : (o.dash ? (typeof o.dash === "string" ? o.dash : "3 3") : null),
      lineCap: o.casing ? "butt" : "round"
    };
  }

  function expand(html, labels) {
    return html.replace(/\u27e6(\d+)\u27e7/g, function (m, k) {
      return labels[k] || "";
    });
  }
  SKO.expand = expand;

  /* Name labels (villages, districts): placed greedily in the order of the data (largest village
     first) wherever they do not collide with a label already placed, so more names appear as the map
     zooms in. Layers with a lower priority number are placed first (district names). */
  SKO.labelLayers = SKO.labelLayers || [];
  var LABEL_PANE = "skoLabels", LABEL_GAP = 6;
  SKO.labelLayer = function (data, o, map) {
    if (map && !map.getPane(LABEL_PANE)) {
      var pane = map.createPane(LABEL_PANE);
      pane.style.zIndex = 450; /* above the points (overlayPane 400), below popups and tooltips */
      pane.style.pointerEvents = "none";
    }
    var group = L.layerGroup();
    group.sko_options = o;
    group.sko_feats = (data.features || []).filter(function (f) { return f.geometry && f.geometry.type === "Point"; });
    group.on("add remove", function () { if (SKO.map) SKO.placeLabels(SKO.map); });
    SKO.labelLayers.push(group);
    SKO.labelLayers.sort(function (a, b) { return (a.sko_options.priority || 0) - (b.sko_options.priority || 0); });
    return group;
  };
  SKO.placeLabels = function (map) {
    var taken = [], view = map.getBounds().pad(0.02), z = map.getZoom(), size = map.getSize();
    /* never under a control, the title or a banner */
    var mc = map.getContainer().getBoundingClientRect();
    map.getContainer().querySelectorAll(".leaflet-control, .sko-header > *").forEach(function (e) {
      if (e.offsetParent === null) return;
      var r = e.getBoundingClientRect();
      taken.push([r.left - mc.left, r.top - mc.top, r.right - mc.left, r.bottom - mc.top]);
    });
    function free(b) {
      if (b[0] < 0 || b[1] < 0 || b[2] > size.x || b[3] > size.y) return false;
      for (var i = 0; i < taken.length; i++) {
        var t = taken[i];
        if (b[0] < t[2] + LABEL_GAP && b[2] + LABEL_GAP > t[0] && b[1] < t[3] + LABEL_GAP && b[3] + LABEL_GAP > t[1]) return false;
      }
      return true;
    }
    SKO.labelLayers.forEach(function (g) {
      g.clearLayers();
      var o = g.sko_options;
      if (!map.hasLayer(g) || (o.max_zoom && z > o.max_zoom) || (o.min_zoom && z < o.min_zoom)) return;
      var fpx = o.font_px || 11, cw = fpx * (o.cls === "sko-label-district" ? 0.72 : 0.62), h = fpx + 4;
      g.sko_feats.forEach(function (f) {
        var c = f.geometry.coordinates, ll = L.latLng(c[1], c[0]);
        if (!view.contains(ll)) return;
        var n = f.properties._l || {};
        var text = n[SKO.lang] || n.ru || n.kk || n.en || "";
        if (!text) return;
        var pt = map.latLngToContainerPoint(ll), w = Math.ceil(text.length * cw) + 6;
        var x0 = o.place === "center" ? pt.x - w / 2 : pt.x + 7, y0 = pt.y - h / 2;
        var box = [x0, y0, x0 + w, y0 + h];
        if (!free(box)) return;
        taken.push(box);
        var icon = L.divIcon({ className: "sko-label-icon", html: '<span class="' + esc(o.cls || "sko-label") + '">' +
          esc(text) + "</span>", iconSize: [w, h], iconAnchor: [pt.x - x0, h / 2] });
        g.addLayer(L.marker(ll, { icon: icon, interactive: false, keyboard: false, pane: LABEL_PANE }));
      });
    });
    SKO.labelCount = SKO.labelLayers.map(function (g) { return g.getLayers().length; });
  };

  SKO.dataLayer = function (data, o, map) {
    if (o.kind === "label") return SKO.labelLayer(data, o, map);
    var labels = data.labels || {};
    var entries = [];
    if (o.pane && map && !map.getPane(o.pane)) {
      map.createPane(o.pane).style.zIndex = o.pane_z || 350; /* below overlayPane (400) */
    }
    var layer = L.geoJSON(data, {
      pane: o.pane || "overlayPane",
      filter: function (f) {
        return !o.only || f.properties[o.only] === true;
      },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {
          radius: (o.radius || f.properties._r || 6) + (o.radius_add || 0),
          interactive: o.interactive !== false,
          pane: o.pane || "overlayPane"
        });
      },
      style: function (f) {
        return styleOf(f.properties, o);
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        if (p._popup) {
          /* no Leaflet autoPan: SKO.fitPopup pans without animation and caps the height (small screens) */
          l.bindPopup(function () { return expand(p._popup, labels); }, { maxWidth: 400, minWidth: 220, maxHeight: 440, autoPan: false });
        }
        var tip = p._tip;
        if (!tip && o.dash_tip && o.dash_prop && p[o.dash_prop]) tip = o.dash_tip;
        if (!tip && o.tips) {
          var k = classOf(p, o);
          tip = k !== null && k >= 0 ? o.tips[k] : null;
        }
        if (!tip && p._names) tip = spans(p._names); /* escaped here */
        if (tip) l.bindTooltip(tip, { sticky: o.kind !== "point" });
        if (o.search && p._names && l.getLatLng) {
          entries.push({ names: p._names, layer: l, group: null, id: p._id });
        }
        l.feature_id = p._id;
      }
    });
    entries.forEach(function (e) {
      e.group = layer; /* the group exists only once L.geoJSON has returned */
      SKO.search.push(e);
    });
    if (o.casing) {
      /* a wider line of another colour drawn under the layer: the classic black/white dashed railway */
      var under = L.geoJSON(data, {
        pane: o.pane || "overlayPane", interactive: false,
        style: function () { return { color: o.casing, weight: o.casing_weight || 4, opacity: 1, lineCap: "butt" }; }
      });
      var top = layer;
      layer = L.featureGroup([under, top]);
      layer.on("add", function () { top.bringToFront(); }); /* the group adds its layers by id: top last */
    }
    layer.sko_options = o;
    SKO.layers.push(layer);
    return layer;
  };

  /* Legends: one panel (bottom right) stacking the legends of the visible layers, in the order of the
     layer control; its height is capped (content scrolls) and it folds into a "Legend" button. */
  var SMALL_MAP = { w: 1100, h: 800 }; /* below either: layer list starts folded (laptop, projector) */
  SKO.smallMap = function (map) {
    var sz = map.getSize();
    return sz.x < SMALL_MAP.w || sz.y < SMALL_MAP.h;
  };
  function legendPanel(map) {
    if (SKO.legendPanel) return SKO.legendPanel;
    var ctl = L.control({ position: "bottomright" });
    var panel = { control: ctl, open: true };
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "sko-legend-panel");
      var btn = L.DomUtil.create("button", "sko-panel-toggle sko-legend-toggle", div);
      btn.type = "button";
      btn.setAttribute("aria-expanded", "true");
      var body = L.DomUtil.create("div", "sko-legend-body", div);
      btn.addEventListener("click", function () {
        SKO.openLegend(!panel.open);
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      panel.el = div;
      panel.button = btn;
      panel.body = body;
      return div;
    };
    ctl.addTo(map);
    SKO.legendPanel = panel;
    return panel;
  }
  SKO.openLegend = function (open) {
    var p = SKO.legendPanel;
    if (!p) return;
    p.open = !!open;
    p.el.classList.toggle("sko-folded", !p.open);
    p.button.setAttribute("aria-expanded", p.open ? "true" : "false");
    if (SKO.map) SKO.layoutPanels(SKO.map);
  };

  SKO.legend = function (map, layer, html) {
    var panel = legendPanel(map);
    var div = L.DomUtil.create("div", "sko-legend", panel.body);
    div.innerHTML = html; /* built and escaped in Python */
    var entry = { control: panel.control, layer: layer, el: div };
    SKO.legends.push(entry);
    entry.el.style.display = map.hasLayer(layer) ? "" : "none";
    return panel.control;
  };

  /* The layer control: layers under group headings (Result, Criteria, Facilities, Base map, Other),
     each group folds; the whole list folds into a "Layers" button, folded by default on small maps.
     items: [[layer, {name (escaped HTML), group, base}]]; o: {groups: {key: html}, order, *_button}. */
  SKO.layerControl = function (map, items, o) {
    var ctl = L.control({ position: "topright" });
    var entries = [], byStamp = {}, groups = {};
    var state = { open: !SKO.smallMap(map) };
    function sync() {
      entries.forEach(function (e) {
        e.input.checked = map.hasLayer(e.layer);
      });
      Object.keys(groups).forEach(function (g) {
        var gr = groups[g], on = 0;
        gr.entries.forEach(function (e) { if (e.input.checked) on += 1; });
        gr.count.textContent = on + "/" + gr.entries.length;
      });
      SKO.syncLegends(map);
    }
    function openGroup(g, open) {
      var gr = groups[g];
      if (!gr) return;
      gr.open = !!open;
      gr.el.classList.toggle("sko-folded", !gr.open);
      gr.head.setAttribute("aria-expanded", gr.open ? "true" : "false");
    }
    function choose(e) {
      if (e.base) {
        entries.forEach(function (x) {
          if (x.base && x !== e && map.hasLayer(x.layer)) map.removeLayer(x.layer);
        });
        if (!map.hasLayer(e.layer)) map.addLayer(e.layer);
        map.fire("baselayerchange", { layer: e.layer, name: e.name });
      } else if (e.input.checked) {
        map.addLayer(e.layer);
        map.fire("overlayadd", { layer: e.layer, name: e.name });
      } else {
        map.removeLayer(e.layer);
        map.fire("overlayremove", { layer: e.layer, name: e.name });
      }
      sync();
      SKO.showLegendOf(e.layer);
      SKO.layoutPanels(map);
    }
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "leaflet-control-layers sko-layers");
      var btn = L.DomUtil.create("button", "sko-panel-toggle sko-layers-toggle", div);
      btn.type = "button";
      btn.innerHTML = '<span class="sko-burger" aria-hidden="true">&#9776;</span> ' + (o.layers_button || "");
      var body = L.DomUtil.create("div", "sko-layers-body", div);
      (o.order || []).forEach(function (g) {
        var mine = items.filter(function (it) { return it[1].group === g; });
        if (!mine.length) return;
        var sec = L.DomUtil.create("div", "sko-group", body);
        sec.dataset.group = g;
        var head = L.DomUtil.create("button", "sko-group-head", sec);
        head.type = "button";
        head.innerHTML = '<span class="sko-caret" aria-hidden="true"></span>' + (o.groups[g] || g) +
          ' <span class="sko-group-count"></span>';
        var list = L.DomUtil.create("div", "sko-group-list", sec);
        var gr = { el: sec, head: head, count: head.querySelector(".sko-group-count"), entries: [], open: true };
        groups[g] = gr;
        head.addEventListener("click", function () { openGroup(g, !gr.open); SKO.layoutPanels(map); });
        mine.forEach(function (it) {
          var lab = L.DomUtil.create("label", "", list);
          var inp = L.DomUtil.create("input", "leaflet-control-layers-selector", lab);
          inp.type = it[1].base ? "radio" : "checkbox";
          if (it[1].base) inp.name = "sko-base-" + L.stamp(ctl);
          var sp = L.DomUtil.create("span", "", lab);
          sp.innerHTML = " " + it[1].name; /* escaped in Python */
          var e = { layer: it[0], name: it[1].name, base: !!it[1].base, input: inp, group: g };
          inp.addEventListener("change", function () { choose(e); });
          entries.push(e);
          gr.entries.push(e);
          byStamp[L.stamp(it[0])] = e;
        });
      });
      btn.addEventListener("click", function () { SKO.openLayers(!state.open); });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      state.el = div;
      state.button = btn;
      state.body = body;
      return div;
    };
    ctl.addTo(map);
    /* groups with a visible layer start open (and Result), the others closed */
    Object.keys(groups).forEach(function (g) {
      var any = groups[g].entries.some(function (e) { return map.hasLayer(e.layer); });
      openGroup(g, any || g === "result");
    });
    SKO.openLayers = function (open, allGroups) {
      state.open = !!open;
      state.el.classList.toggle("sko-folded", !state.open);
      state.button.setAttribute("aria-expanded", state.open ? "true" : "false");
      if (allGroups) Object.keys(groups).forEach(function (g) { openGroup(g, true); });
      SKO.layoutPanels(map);
    };
    SKO.openGroup = openGroup;
    map.on("layeradd layerremove", function (ev) {
      if (byStamp[L.stamp(ev.layer)]) sync();
    });
    /* legends in the panel follow the order of the layer list */
    if (SKO.legendPanel) {
      entries.forEach(function (e) {
        SKO.legends.forEach(function (l) {
          if (l.layer === e.layer) SKO.legendPanel.body.appendChild(l.el);
        });
      });
    }
    SKO.layerCtl = { control: ctl, entries: entries, groups: groups, state: state };
    SKO.openLayers(state.open);
    sync();
    return ctl;
  };

  /* A folded panel (top left) with a table, e.g. how the score is made; opens over the map on demand */
  SKO.infoPanel = function (map, html, label) {
    if (!SKO.ready) { SKO.pendingInfo = [html, label]; return null; } /* built by SKO.init, below the search */
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "sko-info sko-folded");
      var btn = L.DomUtil.create("button", "sko-panel-toggle sko-info-toggle", div);
      btn.type = "button";
      btn.setAttribute("aria-expanded", "false");
      btn.innerHTML = '<span class="sko-caret" aria-hidden="true"></span>' + label; /* escaped in Python */
      var body = L.DomUtil.create("div", "sko-info-body", div);
      body.innerHTML = html; /* escaped in Python */
      btn.addEventListener("click", function () {
        var open = div.classList.toggle("sko-folded") === false;
        btn.setAttribute("aria-expanded", open ? "true" : "false");
        if (open && SKO.smallMap(map) && SKO.openLayers) SKO.openLayers(false);
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    ctl.addTo(map);
    SKO.info = ctl;
    return ctl;
  };

  SKO.showLegendOf = function (layer) {
    SKO.legends.forEach(function (l) {
      if (l.layer === layer && l.el.style.display !== "none" && l.el.scrollIntoView) {
        l.el.scrollIntoView({ block: "nearest" });
      }
    });
  };

  /* Right-hand panels never overlap: the layer list gets the height between its top and the legend
     panel (at least MIN_LIST px; when even that does not fit, the legend folds while the list is open).
     With the list folded, the legend panel's height is capped so that all controls together cover at
     most COVER_MAX of the map (but never less than MIN_LEGEND px: then its content scrolls). */
  var MIN_LIST = 140, MIN_LEGEND = 110, MAX_LEGEND = 240, COVER_MAX = 0.118;
  SKO.coverage = function (map) {
    var mc = map.getContainer().getBoundingClientRect();
    var boxes = Array.prototype.slice.call(map.getContainer().querySelectorAll(".leaflet-control, .sko-header > *"))
      .filter(function (e) { return e.offsetParent !== null; })
      .map(function (e) { var r = e.getBoundingClientRect(); return { el: e, w: r.width, h: r.height }; });
    var area = 0;
    boxes.forEach(function (b) { area += b.w * b.h; });
    return { share: area / (mc.width * mc.height), boxes: boxes, mapArea: mc.width * mc.height };
  };
  SKO.layoutPanels = function (map) {
    var lc = SKO.layerCtl, lp = SKO.legendPanel;
    var mc = map.getContainer().getBoundingClientRect();
    if (lp && lp.body) {
      var cap = MAX_LEGEND;
      if (!lc || !lc.state.open) {
        lp.body.style.maxHeight = "0px"; /* measure everything else */
        var cov = SKO.coverage(map), others = 0, pw = 0, ph = 0;
        cov.boxes.forEach(function (b) {
          if (b.el === lp.el) { pw = b.w; ph = b.h; } else { others += b.w * b.h; }
        });
        if (pw > 0) cap = Math.floor((COVER_MAX * cov.mapArea - others) / pw - ph - 2);
      }
      lp.body.style.maxHeight = Math.max(MIN_LEGEND, Math.min(MAX_LEGEND, cap)) + "px";
    }
    if (!lc || !lc.state.body || !lc.state.open) return;
    var body = lc.state.body;
    var top = body.getBoundingClientRect().top;
    var bottom = mc.bottom - 30; /* attribution line */
    if (lp && lp.el.offsetParent !== null) bottom = lp.el.getBoundingClientRect().top - 10;
    if (bottom - top < MIN_LIST && lp && lp.open) {
      SKO.openLegend(false);
      return;
    }
    body.style.maxHeight = Math.max(MIN_LIST, bottom - top) + "px";
  };

  /* Printing: the map gets the size of an A4 landscape page (CSS .sko-printing), the whole region is
     fitted into it (fractional zoom), controls are hidden by the print CSS; the view is restored after. */
  SKO.PRINT_PX = [1040, 690];
  SKO.printSetup = function (map) {
    var saved = null;
    function before() {
      if (saved) return;
      saved = { center: map.getCenter(), zoom: map.getZoom(), snap: map.options.zoomSnap };
      map.closePopup();
      document.body.classList.add("sko-printing");
      var el = map.getContainer();
      el.style.width = SKO.PRINT_PX[0] + "px";
      el.style.height = SKO.PRINT_PX[1] + "px";
      map.invalidateSize({ animate: false, pan: false });
      map.options.zoomSnap = 0;
      /* the whole region: the villages' bounds and every polygon layer (district boundaries) */
      var b = SKO.bounds ? L.latLngBounds(SKO.bounds) : null;
      SKO.layers.forEach(function (l) {
        if (l.sko_options && l.sko_options.kind === "polygon" && l.getBounds && l.getBounds().isValid()) {
          b = b ? b.extend(l.getBounds()) : L.latLngBounds(l.getBounds().getSouthWest(), l.getBounds().getNorthEast());
        }
      });
      var header = el.querySelector(".sko-header");
      var top = header ? header.getBoundingClientRect().height + 16 : 12;
      if (b) map.fitBounds(b, { animate: false, paddingTopLeft: [12, top], paddingBottomRight: [12, 24] });
      SKO.printBounds = b;
      SKO.printed = (SKO.printed || 0) + 1;
    }
    function after() {
      if (!saved) return;
      document.body.classList.remove("sko-printing");
      var el = map.getContainer();
      el.style.width = "";
      el.style.height = "";
      map.options.zoomSnap = saved.snap;
      map.invalidateSize({ animate: false, pan: false });
      map.setView(saved.center, saved.zoom, { animate: false });
      saved = null;
    }
    SKO.beforePrint = before;
    SKO.afterPrint = after;
    window.addEventListener("beforeprint", before);
    window.addEventListener("afterprint", after);
    if (window.matchMedia) {
      var mq = window.matchMedia("print");
      var onChange = function (e) { if (e.matches) before(); else after(); };
      if (mq.addEventListener) mq.addEventListener("change", onChange);
      else if (mq.addListener) mq.addListener(onChange);
    }
  };

  SKO.syncLegends = function (map) {
    var any = false;
    SKO.legends.forEach(function (e) {
      var on = map.hasLayer(e.layer);
      e.el.style.display = on ? "" : "none";
      any = any || on;
    });
    if (SKO.legendPanel) {
      SKO.legendPanel.el.style.display = any ? "" : "none";
      var n = 0;
      SKO.legends.forEach(function (e) { if (e.el.style.display !== "none") n += 1; });
      SKO.legendPanel.button.innerHTML = '<span class="sko-caret" aria-hidden="true"></span>' +
        (SKO.legendText || "") + (n > 1 ? " (" + n + ")" : "");
    }
    if (SKO.ready) SKO.layoutPanels(map);
  };

  /* The language holds across the pages of a run (maps/lang.js, shared with the other pages). */
  SKO.urlLang = SKOLang.urlLang;
  SKO.initialLang = SKOLang.initialLang;
  SKO.linkLang = SKOLang.linkLang;
  SKO.rememberLang = SKOLang.remember;

  SKO.setLang = function (lang) {
    if (LANGS.indexOf(lang) < 0) return;
    SKO.lang = lang;
    SKO.rememberLang(lang);
    var b = document.body;
    LANGS.forEach(function (l) {
      b.classList.remove("lang-" + l);
    });
    b.classList.add("lang-" + lang);
    document.documentElement.lang = lang;
    var inp = document.querySelector(".sko-search input");
    if (inp) inp.placeholder = PLACEHOLDER[lang];
    document.querySelectorAll(".sko-lang button").forEach(function (btn) {
      btn.setAttribute("aria-pressed", btn.dataset.lang === lang ? "true" : "false");
    });
    if (SKO.map && SKO.labelLayers.length) SKO.placeLabels(SKO.map);
  };

  /* Kazakh letters typed with Russian ones (Улкенталсай finds Үлкенталсай): fold both to one form */
  var FOLD = { "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и",
               "ы": "и", "ё": "е", "й": "и", "ъ": "", "ь": "" };
  function norm(s) {
    return String(s || "").toLowerCase().trim().replace(/[әғқңөұүһіыёйъь]/g, function (c) { return FOLD[c]; })
      .replace(/[\s\-‐–—]+/g, " ");
  }
  SKO.norm = norm;

  function displayName(e) {
    var n = e.names || {};
    return n[SKO.lang] || n.ru || n.kk || n.en || "";
  }
  function districtName(e) {
    var d = (e.names || {}).district || {};
    return d[SKO.lang] || d.ru || "";
  }

  SKO.find = function (query) {
    var q = norm(query);
    if (!q) return [];
    var out = [];
    var seen = {};
    /* a village registered by several layers (seasons, scenarios): prefer the entry of a layer that is
       on the map, so that opening it never draws a hidden layer over the active one */
    var m = SKO.map;
    var on = m ? SKO.search.filter(function (e) { return m.hasLayer(e.group); }) : [];
    var off = m ? SKO.search.filter(function (e) { return !m.hasLayer(e.group); }) : SKO.search;
    on.concat(off).forEach(function (e) {
      var n = e.names || {};
      var hit = ["kk", "ru", "en", "alt"].some(function (k) {
        return n[k] && norm(n[k]).indexOf(q) >= 0;
      });
      if (hit && !seen[e.id]) {
        seen[e.id] = true;
        out.push(e);
      }
    });
    out.sort(function (a, b) {
      var as = ["kk", "ru", "alt"].some(function (k) { return norm(a.names[k]).indexOf(q) === 0; });
      var bs = ["kk", "ru", "alt"].some(function (k) { return norm(b.names[k]).indexOf(q) === 0; });
      return (bs ? 1 : 0) - (as ? 1 : 0);
    });
    return out;
  };

  SKO.go = function (map, e) {
    if (!map.hasLayer(e.group)) map.addLayer(e.group);
    SKO.syncLegends(map);
    if (SKO.smallMap(map) && SKO.openLayers) SKO.openLayers(false); /* the popup needs the room */
    map.setView(e.layer.getLatLng(), Math.max(map.getZoom(), 10), { animate: false });
    e.layer.openPopup();
  };

  /* A popup is never off-screen: its height is capped to the map (content scrolls inside) and the
     map pans, without animation, until the whole popup is inside the map with a margin, below the
     title/banners. */
  var POPUP_PAD = 10;
  SKO.fitPopup = function (map, popup) {
    var el = popup.getElement && popup.getElement();
    if (!el) return;
    var size = map.getSize();
    var mc = map.getContainer().getBoundingClientRect();
    var header = map.getContainer().querySelector(".sko-header");
    var top = POPUP_PAD;
    if (header) {
      var hr = header.getBoundingClientRect();
      if (hr.height) top = Math.max(top, hr.bottom - mc.top + 6);
    }
    var bottom = 22; /* attribution line */
    var cap = Math.max(140, Math.min(440, size.y - top - bottom - 40));
    var wcap = Math.max(200, Math.min(400, size.x - 2 * POPUP_PAD - 40));
    if (popup.options.maxHeight !== cap || popup.options.maxWidth !== wcap) {
      popup.options.maxHeight = cap;
      popup.options.maxWidth = wcap;
      popup.options.minWidth = Math.min(220, wcap);
      popup.update();
    }
    var r = el.getBoundingClientRect();
    var dx = 0, dy = 0;
    if (r.top - mc.top < top) dy = r.top - mc.top - top;
    else if (r.bottom > mc.bottom - bottom) dy = r.bottom - (mc.bottom - bottom);
    if (r.left - mc.left < POPUP_PAD) dx = r.left - mc.left - POPUP_PAD;
    else if (r.right > mc.right - POPUP_PAD) dx = r.right - (mc.right - POPUP_PAD);
    if (dx || dy) map.panBy([dx, dy], { animate: false });
  };

  function searchControl(map) {
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "sko-search");
      var inp = L.DomUtil.create("input", "", div);
      inp.type = "search";
      inp.placeholder = PLACEHOLDER[SKO.lang];
      inp.setAttribute("aria-label", PLACEHOLDER.en || "search");
      var list = L.DomUtil.create("ul", "", div);
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      function render() {
        list.innerHTML = "";
        if (!inp.value.trim()) return;
        var hits = SKO.find(inp.value).slice(0, 12);
        if (!hits.length) {
          var li0 = L.DomUtil.create("li", "sko-nomatch", list);
          li0.textContent = NO_MATCH[SKO.lang];
          return;
        }
        hits.forEach(function (e) {
          var li = L.DomUtil.create("li", "", list);
          li.textContent = displayName(e); /* data text: never innerHTML */
          var dn = districtName(e);
          if (dn) {
            var small = L.DomUtil.create("span", "sko-search-district", li);
            small.textContent = " — " + dn;
          }
          li.tabIndex = 0;
          li.addEventListener("click", function () {
            SKO.go(map, e);
          });
          li.addEventListener("keydown", function (ev) {
            if (ev.key === "Enter") SKO.go(map, e);
          });
        });
      }
      inp.addEventListener("input", render);
      inp.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") {
          var hits = SKO.find(inp.value);
          if (hits.length) SKO.go(map, hits[0]);
        }
      });
      return div;
    };
    ctl.addTo(map);
  }

  function langControl(map) {
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "sko-lang");
      var lab = L.DomUtil.create("span", "", div);
      lab.innerHTML = spans(LANG_LABEL) + ": ";
      LANGS.forEach(function (l) {
        var btn = L.DomUtil.create("button", "", div);
        btn.type = "button";
        btn.dataset.lang = l;
        btn.textContent = l.toUpperCase();
        btn.addEventListener("click", function () {
          SKO.setLang(l);
        });
      });
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    ctl.addTo(map);
  }


  /* In-browser rescoring (the housing map's "What if" panel): the same maths as geo.scoring.score on the
     norm_* values of the run. Weights are renormalised over the criteria used; a changed time limit recomputes
     the threshold value function from the raw minutes; ranks: score (desc), then the name key, then position. */
  SKO.rescore = function (opts) {
    var R = SKO.rescoreData;
    if (!R) return null;
    opts = opts || {};
    var crit = R.criteria, n = R.features.length;
    var w = crit.map(function (c) {
      var v = opts.weights && opts.weights[c.name] !== undefined ? +opts.weights[c.name] : c.weight;
      return v > 0 ? v : 0;
    });
    var total = w.reduce(function (a, b) { return a + b; }, 0);
    var wn = w.map(function (v) { return total > 0 ? v / total : 0; });
    var rows = [];
    R.features.forEach(function (f, pos) {
      var p = f.properties;
      if (!p._ok || (opts.noCentres && p._dc)) return;
      var score = 0;
      crit.forEach(function (c, j) {
        var norm = p._nv[j];
        var lim = opts.limits && opts.limits[c.name];
        if (lim && c.method === "threshold") {
          var v = p._rv[j], lo = +lim[0], hi = +lim[1];
          if (v === null || v === undefined) norm = 0;
          else if (hi > lo) {
            var ramp = (v - lo) / (hi - lo);
            norm = Math.min(1, Math.max(0, c.direction === "higher" ? ramp : 1 - ramp));
          } else norm = c.direction === "higher" ? (v >= hi ? 1 : 0) : (v <= lo ? 1 : 0);
        }
        score += (100 * wn[j]) * norm;
      });
      rows.push({ id: p._id, pos: pos, score: score, tb: p._tb, dist: p._dist, p: p });
    });
    rows.sort(function (a, b) { return b.score - a.score || a.tb - b.tb || a.pos - b.pos; });
    var seen = {};
    rows.forEach(function (r, i) {
      r.rank = i + 1;
      seen[r.dist] = (seen[r.dist] || 0) + 1;
      r.rank_d = seen[r.dist];
    });
    return rows;
  };

  function classIndex(v, edges) {
    if (!edges || edges.length < 2) return 0;
    var k = 0;
    for (var i = 1; i < edges.length - 1; i++) if (edges[i] < v) k = i;
    return k;
  }

  SKO.applyRescore = function (opts) {
    var rows = SKO.rescore(opts);
    if (!rows) return null;
    var R = SKO.rescoreData, byId = {};
    rows.forEach(function (r) { byId[r.id] = r; });
    R.features.forEach(function (f) {
      var r = byId[f.properties._id];
      f.properties.k_score = r ? classIndex(r.score, R.edges) : -1;
    });
    SKO.layers.forEach(function (l) {
      if (l.sko_options && l.sko_options.key === "score") {
        l.setStyle(function (f) { return styleOf(f.properties, l.sko_options); });
      }
    });
    SKO.lastRescore = rows;
    return rows;
  };

  SKO.rescoreCsv = function () {
    var rows = SKO.lastRescore || SKO.rescore({}) || [];
    var lines = ["settlement_id;name;district;score;rank;rank_district"];
    rows.forEach(function (r) {
      var name = (r.p._names && (r.p._names.ru || r.p._names.kk || r.p._names.en)) || r.id;
      lines.push([r.id, name, r.dist, r.score.toFixed(3), r.rank, r.rank_d].map(function (x) {
        return '"' + String(x).replace(/"/g, '""') + '"';
      }).join(";"));
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  };

  SKO.whatIf = function (map, data, meta) {
    SKO.rescoreData = { features: data.features, criteria: meta.criteria, edges: meta.edges };
    var ctl = L.control({ position: "topleft" });
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "sko-whatif sko-folded");
      var btn = L.DomUtil.create("button", "sko-panel-toggle sko-whatif-toggle", div);
      btn.type = "button";
      btn.innerHTML = '<span class="sko-caret" aria-hidden="true"></span>' + meta.label; /* escaped in Python */
      var body = L.DomUtil.create("div", "sko-whatif-body", div);
      var html = "";
      meta.criteria.forEach(function (c, j) {
        html += '<div class="sko-wi-row"><label>' + c.label + /* escaped in Python */
          ' <input type="range" min="0" max="' + Math.max(10, Math.ceil(c.weight * 3)) + '" step="0.5" value="' +
          c.weight + '" data-w="' + j + '"></label>';
        if (c.method === "threshold" && c.time) {
          html += ' <input type="number" class="sko-wi-lo" data-lo="' + j + '" value="' + c.lo + '" step="5">–' +
            '<input type="number" class="sko-wi-hi" data-hi="' + j + '" value="' + c.hi + '" step="5">';
        }
        html += "</div>";
      });
      html += '<label><input type="checkbox" class="sko-wi-centres"> ' + meta.no_centres + "</label> " +
        '<button type="button" class="sko-wi-reset">' + meta.reset + "</button> " +
        '<button type="button" class="sko-wi-csv">CSV</button><ol class="sko-wi-top"></ol>';
      body.innerHTML = html;
      function current() {
        var o = { weights: {}, limits: {}, noCentres: body.querySelector(".sko-wi-centres").checked };
        meta.criteria.forEach(function (c, j) {
          o.weights[c.name] = +body.querySelector('[data-w="' + j + '"]').value;
          var lo = body.querySelector('[data-lo="' + j + '"]'), hi = body.querySelector('[data-hi="' + j + '"]');
          if (lo && hi && (+lo.value !== c.lo || +hi.value !== c.hi)) o.limits[c.name] = [+lo.value, +hi.value];
        });
        return o;
      }
      function update() {
        var rows = SKO.applyRescore(current());
        body.querySelector(".sko-wi-top").innerHTML = rows.slice(0, 10).map(function (r) {
          return "<li>" + spans(r.p._names || {}) + " — " + r.score.toFixed(1) + "</li>";
        }).join("");
      }
      body.addEventListener("input", update);
      body.addEventListener("change", update);
      body.querySelector(".sko-wi-reset").addEventListener("click", function () {
        meta.criteria.forEach(function (c, j) {
          body.querySelector('[data-w="' + j + '"]').value = c.weight;
          var lo = body.querySelector('[data-lo="' + j + '"]'), hi = body.querySelector('[data-hi="' + j + '"]');
          if (lo) lo.value = c.lo;
          if (hi) hi.value = c.hi;
        });
        body.querySelector(".sko-wi-centres").checked = false;
        update();
      });
      body.querySelector(".sko-wi-csv").addEventListener("click", function () {
        var a = document.createElement("a");
        a.href = "data:text/csv;charset=utf-8," + encodeURIComponent(SKO.rescoreCsv());
        a.download = "rescored.csv";
        a.click();
      });
      btn.addEventListener("click", function () {
        var open = div.classList.toggle("sko-folded") === false;
        if (open) update();
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    ctl.addTo(map);
    return ctl;
  };

  SKO.init = function (map, o) {
    SKO.map = map;
    var tx = o.text || {};
    PLACEHOLDER = tx.search_placeholder || {};
    NO_MATCH = tx.no_match || {};
    LANG_LABEL = tx.language || {};
    SAMPLE = tx.sample_banner || {};
    /* title and banners ("SAMPLE", "approximate network") centred on top: never under a legend */
    var header = L.DomUtil.create("div", "sko-header", map.getContainer());
    L.DomEvent.disableClickPropagation(header);
    L.DomEvent.disableScrollPropagation(header);
    if (o.title) {
      var d = L.DomUtil.create("div", "sko-title", header);
      d.innerHTML = o.title; /* escaped in Python */
    }
    var banners = (o.banners || []).slice();
    if (o.sample || banners.length) {
      var bd = L.DomUtil.create("div", "sko-banners", header);
      if (o.sample) {
        var s = L.DomUtil.create("div", "sko-banner sko-banner-sample", bd);
        s.innerHTML = spans(SAMPLE);
      }
      banners.forEach(function (h) {
        var b = L.DomUtil.create("div", "sko-banner", bd);
        b.innerHTML = h; /* escaped in Python */
      });
    }
    (o.attribution || []).forEach(function (a) {
      if (map.attributionControl) map.attributionControl.addAttribution(a);
    });
    searchControl(map);
    langControl(map);
    if (SKO.pendingInfo) {
      SKO.ready = true;
      SKO.infoPanel(map, SKO.pendingInfo[0], SKO.pendingInfo[1]);
      SKO.ready = false;
    }
    map.on("overlayadd overlayremove baselayerchange", function () {
      SKO.syncLegends(map);
    });
    map.on("popupopen", function (ev) { SKO.fitPopup(map, ev.popup); });
    SKO.legendText = tx.legend_button ? spans(tx.legend_button) : "";
    SKO.printSetup(map);
    SKO.setLang(SKO.initialLang(o.lang || "ru"));
    SKO.syncLegends(map);
    SKO.layoutPanels(map);
    map.on("resize", function () { SKO.layoutPanels(map); });
    map.on("moveend", function () { if (SKO.labelLayers.length) SKO.placeLabels(map); });
    if (SKO.labelLayers.length) SKO.placeLabels(map);
    SKO.ready = true; /* the view was fitted without animation (maps/style.py StillFitBounds) */
  };
})();
