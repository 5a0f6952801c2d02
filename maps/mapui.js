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
          /* no Leaflet autoPan: SKO.fitPopup pans without animation and caps the height (small screens) */
          l.bindPopup(function () { return expand(p._popup, labels); }, { maxWidth: 400, minWidth: 220, maxHeight: 440, autoPan: false });
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
    SKO.legends.forEach(function (e) {
      e.el.style.display = map.hasLayer(e.layer) ? "" : "none";
    });
  };

  /* The language holds across the pages of a run: ?lang=xx (or #lang=xx) in the URL, else the last
     choice (localStorage), else the page default; every relative link carries ?lang=xx. */
  var STORE = "sko-lang";
  SKO.urlLang = function () {
    var m = /(?:^|[?&#])lang=(kk|ru|en)(?:$|[&#])/.exec(location.search.slice(1) + "#" + location.hash.slice(1));
    return m ? m[1] : null;
  };
  SKO.initialLang = function (fallback) {
    var stored = null;
    try { stored = window.localStorage.getItem(STORE); } catch (e) { stored = null; }
    var lang = SKO.urlLang() || stored || fallback;
    return LANGS.indexOf(lang) >= 0 ? lang : fallback;
  };
  SKO.linkLang = function (lang) {
    document.querySelectorAll("a[href]").forEach(function (a) {
      var h = a.getAttribute("href");
      if (!h || /^(#|[a-z][a-z0-9+.-]*:|\/\/)/i.test(h)) return; /* anchors and other sites untouched */
      var hash = h.indexOf("#") >= 0 ? h.slice(h.indexOf("#")) : "";
      var path = hash ? h.slice(0, h.indexOf("#")) : h;
      var q = path.indexOf("?") >= 0 ? path.slice(path.indexOf("?") + 1).split("&") : [];
      path = path.split("?")[0];
      q = q.filter(function (x) { return x && x.indexOf("lang=") !== 0; });
      q.push("lang=" + lang);
      a.setAttribute("href", path + "?" + q.join("&") + hash);
    });
  };
  SKO.rememberLang = function (lang) {
    try { window.localStorage.setItem(STORE, lang); } catch (e) { /* storage off: links still carry it */ }
    SKO.linkLang(lang);
    if (SKO.urlLang() && SKO.urlLang() !== lang) {
      try { history.replaceState(null, "", location.pathname + "?lang=" + lang); } catch (e) { /* file:// */ }
    }
  };

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
    map.on("popupopen", function (ev) { SKO.fitPopup(map, ev.popup); });
    SKO.printSetup(map);
    SKO.setLang(SKO.initialLang(o.lang || "ru"));
    SKO.syncLegends(map);
    SKO.ready = true; /* the view was fitted without animation (maps/style.py StillFitBounds) */
  };
})();
