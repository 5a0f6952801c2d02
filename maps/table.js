/* Dashboard/district sheet helpers (own code): language switch and sortable tables.
 * A table with class "sko-sortable" sorts by a column when its <th> is clicked (numbers
 * numerically using data-v, text by locale); clicking again reverses the order. */
(function () {
  "use strict";
  var LANGS = ["kk", "ru", "en"];
  var STORE = "sko-lang"; /* shared with maps/mapui.js: the language holds on every page of a run */
  function urlLang() {
    var m = /(?:^|[?&#])lang=(kk|ru|en)(?:$|[&#])/.exec(location.search.slice(1) + "#" + location.hash.slice(1));
    return m ? m[1] : null;
  }
  function initialLang(fallback) {
    var stored = null;
    try { stored = window.localStorage.getItem(STORE); } catch (e) { stored = null; }
    var lang = urlLang() || stored || fallback;
    return LANGS.indexOf(lang) >= 0 ? lang : fallback;
  }
  function linkLang(lang) {
    document.querySelectorAll("a[href]").forEach(function (a) {
      var h = a.getAttribute("href");
      if (!h || /^(#|[a-z][a-z0-9+.-]*:|\/\/)/i.test(h)) return;
      var hash = h.indexOf("#") >= 0 ? h.slice(h.indexOf("#")) : "";
      var path = hash ? h.slice(0, h.indexOf("#")) : h;
      var q = path.indexOf("?") >= 0 ? path.slice(path.indexOf("?") + 1).split("&") : [];
      path = path.split("?")[0];
      q = q.filter(function (x) { return x && x.indexOf("lang=") !== 0; });
      q.push("lang=" + lang);
      a.setAttribute("href", path + "?" + q.join("&") + hash);
    });
  }
  function setLang(lang) {
    if (LANGS.indexOf(lang) < 0) return;
    try { window.localStorage.setItem(STORE, lang); } catch (e) { /* links still carry it */ }
    linkLang(lang);
    if (urlLang() && urlLang() !== lang) {
      try { history.replaceState(null, "", location.pathname + "?lang=" + lang); } catch (e) { /* file:// */ }
    }
    LANGS.forEach(function (l) { document.body.classList.remove("lang-" + l); });
    document.body.classList.add("lang-" + lang);
    document.documentElement.lang = lang;
    document.querySelectorAll(".sko-lang button").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.lang === lang ? "true" : "false");
    });
  }
  function cellValue(tr, i) {
    var td = tr.children[i];
    if (!td) return "";
    var v = td.getAttribute("data-v");
    if (v !== null && v !== "" && !isNaN(Number(v))) return Number(v);
    return td.textContent.trim().toLowerCase();
  }
  function sortTable(table, i, th) {
    var asc = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, i), y = cellValue(b, i);
      var c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), "ru");
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".sko-lang button").forEach(function (b) {
      b.addEventListener("click", function () { setLang(b.dataset.lang); });
    });
    document.querySelectorAll("table.sko-sortable").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (th, i) {
        th.style.cursor = "pointer";
        th.addEventListener("click", function () { sortTable(table, i, th); });
      });
    });
    setLang(initialLang(document.body.getAttribute("data-lang") || "ru"));
    window.SKO_READY = true;
  });
})();
