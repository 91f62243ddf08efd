/* The search page's script: searches the edition's static index (Pagefind, baked beside the
   pages), so search works on any copy of the site. Without it the form still works at the
   origin, where the server answers. Loaded by the search page only. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-index]");
  if (!form || !window.URL || !window.Promise) return;
  var input = form.querySelector("input[name=q]");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var origin = form.hasAttribute("data-origin");

  // The same folds as samizdat/core/searchtext.py (SEARCH_FOLDS; a test compares them):
  // Persian with and without ZWNJ, Arabic and Persian yeh and kaf, Russian ё.
  var FOLDS = {
    "\u200c": "", "\u200d": "", "\u00ad": "", "\u0640": "",
    "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9",
    "\u0451": "\u0435", "\u0401": "\u0415"
  };
  var FOLDED = /[\u200c\u200d\u00ad\u0640\u064a\u0649\u0643\u0451\u0401]/g;
  // And SEARCH_JOINS: the space a keyboard without ZWNJ puts after "می" and before "ها".
  var LETTER = "[\u0621-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc]";
  var JOINS = [
    new RegExp("(^|[^\u0600-\u06ff])(\u0646?\u0645\u06cc) (?=" + LETTER + ")", "g"),
    new RegExp("(" + LETTER + ") (\u0647\u0627(?:\u06cc\u0634\u0627\u0646|\u06cc\u0645\u0627\u0646|" +
      "\u06cc\u062a\u0627\u0646|\u06cc\u06cc|\u06cc\u0645|\u06cc\u062a|\u06cc\u0634|\u06cc)?)" +
      "(?![\u0600-\u06ff])", "g")
  ];
  function joined() { return Array.prototype.slice.call(arguments, 1, -2).join(""); }
  function normalise(text) {
    text = text.replace(FOLDED, function (c) { return FOLDS[c]; });
    JOINS.forEach(function (join) { text = text.replace(join, joined); });
    return text;
  }
  window.samizdatSearchNormalise = normalise;

  // The index is kept in parts (samizdat/search/services.py): parts.json names them; the
  // first part's script searches, the others are merged into it (they share its WebAssembly).
  var partsUrl = new URL(form.getAttribute("data-index"), document.baseURI);
  var root = new URL("../", partsUrl);  // the edition's folder: results are relative to it
  var pagefind = null;
  function index() {
    if (!pagefind) {
      pagefind = fetch(partsUrl.href).then(function (response) {
        if (!response.ok) throw new Error("no search index");
        return response.json();
      }).then(function (listing) {
        var parts = listing.parts.map(function (part) { return new URL(part, partsUrl); });
        if (!parts.length) return null;  // nothing to search yet
        var options = { baseUrl: root.pathname };
        return import(new URL("pagefind.js", parts[0]).href).then(function (pf) {
          return Promise.resolve(pf.options(options)).then(function () {
            return Promise.all(parts.slice(1).map(function (part) {
              return pf.mergeIndex(part.href, options);
            }));
          }).then(function () { return pf; });
        });
      });
      pagefind.catch(function () { pagefind = null; });  // try again on the next search
    }
    return pagefind;
  }

  function say(text) { status.textContent = text; }

  // Pagefind's excerpt is escaped text with <mark> around the matches: keep only those.
  function excerpt(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var p = document.createElement("p");
    template.content.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(node.textContent));
      }
    });
    return p;
  }

  function show(results) {
    list.textContent = "";
    if (!results.length) { say(form.getAttribute("data-none")); return; }
    var ol = document.createElement("ol");
    ol.className = "posts";
    results.forEach(function (result) {
      var li = document.createElement("li");
      li.className = "card";
      var h2 = document.createElement("h2");
      h2.className = "card-title";
      var a = document.createElement("a");
      a.href = new URL(result.url, root).href;
      a.textContent = (result.meta && result.meta.title) || result.url;
      h2.appendChild(a);
      li.appendChild(h2);
      li.appendChild(excerpt(result.excerpt || ""));
      ol.appendChild(li);
    });
    list.appendChild(ol);
    say(origin ? "" : form.getAttribute("data-copy"));
  }

  function run(query) {
    var q = normalise(query).trim();
    if (!q) return;
    index().then(function (pf) {
      return pf ? pf.search(q) : { results: [] };
    }).then(function (search) {
      return Promise.all(search.results.slice(0, 20).map(function (r) { return r.data(); }));
    }).then(show, function () {
      if (origin) form.submit();  // the server answers at the origin
      else say(form.getAttribute("data-failed"));
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value;
    if (window.history && history.replaceState) {
      history.replaceState(null, "", "?q=" + encodeURIComponent(query));
    }
    run(query);
  });
  if (!origin) {
    say(form.getAttribute("data-copy"));
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) { input.value = query; run(query); }
  }
}());
