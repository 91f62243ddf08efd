/* Optional: remembers the reader's text size. The switcher itself works without it. */
(function () {
  var key = "samizdat-textsize";
  try {
    var saved = window.localStorage.getItem(key);
    var input = saved && document.getElementById("ts-" + saved);
    if (input) input.checked = true;
    document.addEventListener("change", function (event) {
      if (event.target.name === "textsize") window.localStorage.setItem(key, event.target.value);
    });
  } catch (e) { /* storage may be disabled: the switcher still works for this page */ }
})();
