/* Dashboard/district sheet helpers (own code): language switch (with maps/lang.js) and sortable tables.
 * A table with class "sko-sortable" sorts by a column when its <th> is clicked (numbers
 * numerically using data-v, text by locale); clicking again reverses the order. */
(function () {
  "use strict";
  var LANGS = ["kk", "ru", "en"];
  function setLang(lang) {
    if (LANGS.indexOf(lang) < 0) return;
    SKOLang.remember(lang); /* maps/lang.js */
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
    setLang(SKOLang.initialLang(document.body.getAttribute("data-lang") || "ru"));
    window.SKO_READY = true;
  });
})();
