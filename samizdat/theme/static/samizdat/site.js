/* Optional enhancements. Every page works without JavaScript; this only adds to it. */
(function () {
  "use strict";
  // Remember the reader's text size (the switcher itself is plain HTML and CSS).
  var key = "samizdat-textsize";
  try {
    var saved = window.localStorage.getItem(key);
    var input = saved && document.getElementById("ts-" + saved);
    if (input) input.checked = true;
    document.addEventListener("change", function (event) {
      if (event.target.name === "textsize") window.localStorage.setItem(key, event.target.value);
    });
  } catch (e) { /* storage may be disabled: the switcher still works for this page */ }

  // Shared fragments: the service's breaking-news banner and the blog's latest posts are
  // baked once, so a page baked long ago still shows them as they are now. Without
  // JavaScript (or opened from a file), readers see what was baked into the page.
  if (!window.fetch || !window.DOMParser || !window.URL || window.location.protocol === "file:") return;
  function load(url, done) {
    var base = new URL(url, document.baseURI);
    fetch(base.href, { cache: "no-cache" }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      Array.prototype.forEach.call(doc.querySelectorAll("a[href]"), function (a) {
        a.setAttribute("href", new URL(a.getAttribute("href"), base).href);
      });
      done(doc);
    }).catch(function () { /* keep what was baked into the page */ });
  }
  function strip(href) { return href.split("#")[0].replace(/index\.html$/, ""); }

  var breaking = document.body.getAttribute("data-breaking");
  if (breaking) load(breaking, function (doc) {
    var fresh = doc.querySelector(".breaking"), old = document.querySelector(".breaking");
    if (fresh) fresh = document.importNode(fresh, true);
    if (old && fresh) old.parentNode.replaceChild(fresh, old);
    else if (old) old.parentNode.removeChild(old);
    else if (fresh) { var page = document.querySelector(".page"); page.insertBefore(fresh, page.firstChild); }
  });

  var latest = document.querySelector("nav.latest[data-fragment]");
  if (latest) load(latest.getAttribute("data-fragment"), function (doc) {
    var list = doc.querySelector("ul");
    if (!list) return;
    var here = strip(window.location.href), shown = 0;
    Array.prototype.slice.call(list.children).forEach(function (item) {
      var a = item.querySelector("a");
      if (!a || strip(a.href) === here || shown >= 5) list.removeChild(item); else shown += 1;
    });
    Array.prototype.forEach.call(latest.querySelectorAll("ul, p.more"), function (el) { el.parentNode.removeChild(el); });
    latest.appendChild(document.importNode(list, true));
  });
})();
