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
    return {
      color: o.kind === "point" ? (o.stroke || "#222") : c,
      weight: w || p._w || o.weight || (o.kind === "point" ? 1 : 2),
      fillColor: c,
      fillOpacity: o.fill_opacity === undefined ? (o.kind === "polygon" ? 0.15 : 0.9) : o.fill_opacity,
      opacity: o.opacity === undefined ? 1 : o.opacity,
      dashArray: proxy || o.dash ? "3 3" : null
    };
  }

  function expand(html, labels) {
    return html.replace(/\u27e6(\d+)\u27e7/g, function (m, k) {
      return labels[k] || "";
    });
  }
  SKO.expand = expand;

  SKO.dataLayer = function (data, o, map) {
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
          l.bindPopup(function () { return expand(p._popup, labels); }, { maxWidth: 400, minWidth: 240, maxHeight: 440, autoPanPaddingTopLeft: [60, 100], autoPanPaddingBottomRight: [300, 20] });
        }
        var tip = p._tip;
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
    layer.sko_options = o;
    SKO.layers.push(layer);
    return layer;
  };

  SKO.legend = function (map, layer, html) {
    var ctl = L.control({ position: "bottomright" });
    ctl.onAdd = function () {
      var div = L.DomUtil.create("div", "sko-legend");
      div.innerHTML = html; /* built and escaped in Python */
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    ctl.addTo(map);
    var entry = { control: ctl, layer: layer, el: ctl.getContainer() };
    SKO.legends.push(entry);
    entry.el.style.display = map.hasLayer(layer) ? "" : "none";
    return ctl;
  };

  SKO.syncLegends = function (map) {
    SKO.legends.forEach(function (e) {
      e.el.style.display = map.hasLayer(e.layer) ? "" : "none";
    });
  };

  SKO.setLang = function (lang) {
    if (LANGS.indexOf(lang) < 0) return;
    SKO.lang = lang;
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
  };

  function norm(s) {
    return String(s || "").toLowerCase().replace(/ё/g, "е").trim();
  }

  function displayName(e) {
    var n = e.names || {};
    return n[SKO.lang] || n.ru || n.kk || n.en || "";
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
    map.setView(e.layer.getLatLng(), Math.max(map.getZoom(), 10));
    e.layer.openPopup();
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
    map.on("overlayadd overlayremove baselayerchange", function () {
      SKO.syncLegends(map);
    });
    SKO.setLang(o.lang || "ru");
    SKO.syncLegends(map);
    SKO.ready = true; /* the view was fitted without animation (maps/style.py StillFitBounds) */
  };
})();
