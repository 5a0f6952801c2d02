/* The language of a run's pages (own code), shared by the maps (mapui.js) and the dashboard, district
 * sheets and village profiles (table.js): ?lang=xx (or #lang=xx) in the URL, else the last choice
 * (localStorage), else the page default; every relative link carries ?lang=xx. */
(function () {
  "use strict";
  var LANGS = ["kk", "ru", "en"];
  var STORE = "sko-lang";
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
      if (!h || /^(#|[a-z][a-z0-9+.-]*:|\/\/)/i.test(h)) return; /* anchors and other sites untouched */
      var hash = h.indexOf("#") >= 0 ? h.slice(h.indexOf("#")) : "";
      var path = hash ? h.slice(0, h.indexOf("#")) : h;
      var q = path.indexOf("?") >= 0 ? path.slice(path.indexOf("?") + 1).split("&") : [];
      path = path.split("?")[0];
      q = q.filter(function (x) { return x && x.indexOf("lang=") !== 0; });
      q.push("lang=" + lang);
      a.setAttribute("href", path + "?" + q.join("&") + hash);
    });
  }
  function remember(lang) {
    try { window.localStorage.setItem(STORE, lang); } catch (e) { /* storage off: links still carry it */ }
    linkLang(lang);
    if (urlLang() && urlLang() !== lang) {
      try { history.replaceState(null, "", location.pathname + "?lang=" + lang); } catch (e) { /* file:// */ }
    }
  }
  window.SKOLang = {LANGS: LANGS, urlLang: urlLang, initialLang: initialLang, linkLang: linkLang,
                    remember: remember};
})();
