/* The offline bundle's search page (samizdat/reach/bundle.py). Browsers load nothing from a
   page opened from a file, so the words of the bundle's few posts are in the page, in a JSON
   data block, with the table of core/searchtext.py (SEARCH_FOLDS) that folds the query and the
   posts alike. The page lists every post; this hides those that do not hold every word. */
(function () {
  "use strict";
  var data = document.getElementById("search-words");
  var form = document.querySelector("form.search");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  if (!data || !form || !list || !status) return;
  var words = JSON.parse(data.textContent);
  var folds = words.folds;
  var input = form.querySelector("input[name=q]");
  var all = status.textContent;

  function normalise(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      out += Object.prototype.hasOwnProperty.call(folds, c) ? folds[c] : c;
    }
    return out.toLowerCase();
  }
  var texts = words.posts.map(normalise);
  var items = list.children;

  function run(query) {
    var terms = normalise(query).split(/\s+/).filter(function (t) { return t; });
    var found = 0;
    for (var i = 0; i < items.length; i++) {
      var text = texts[i] || "";
      var match = terms.every(function (t) { return text.indexOf(t) !== -1; });
      items[i].style.display = match ? "" : "none";
      if (match) found++;
    }
    if (!terms.length) status.textContent = all;
    else if (!found) status.textContent = status.getAttribute("data-none");
    else status.textContent = status.getAttribute("data-found").replace("{query}", query.trim());
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    try {  // the query in the address, to reload or go back to (a file: page may refuse it)
      history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    } catch (e) { /* searching still works */ }
    run(input.value);
  });
  input.addEventListener("input", function () { run(input.value); });
  var query = window.URLSearchParams ? new URLSearchParams(window.location.search).get("q") : null;
  if (query) { input.value = query; run(query); }
}());
