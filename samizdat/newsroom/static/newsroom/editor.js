// Two mends to Wagtail's page editor, which Wagtail's own markup leaves to us.
//
// 1. The schedule dialog. Wagtail's date picker is laid over the dialog (so an
// open one covered "Save schedule") and Escape reached the dialog (so it closed the whole
// dialog, not the picker). Here a picker opens in the dialog's flow, under its own field,
// and Escape closes an open picker first; the next Escape closes the dialog as before.
(() => {
  "use strict";
  const DIALOG = "#schedule-publishing-dialog";
  const PICKER = ".xdsoft_datetimepicker";
  const shown = (el) => getComputedStyle(el).display !== "none";

  function pickerOf(input) {
    const $ = window.jQuery;
    const picker = $ && $(input).data("xdsoft_datetimepicker");
    return picker && picker.length ? picker.get(0) : null;
  }

  function placeUnder(input) {
    const picker = pickerOf(input) || [...document.querySelectorAll(`${DIALOG} ${PICKER}`)].find(shown);
    if (!picker || picker.classList.contains("samizdat-picker-in-flow")) return;
    picker.classList.add("samizdat-picker-in-flow");
    (input.closest(".w-field__input") || input).after(picker);
  }

  document.addEventListener("focusin", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.closest(DIALOG)) {
      placeUnder(input);
      setTimeout(() => placeUnder(input), 0); // the picker is made on first focus
    }
  });

  window.addEventListener(
    "keydown",
    (event) => {
      if (event.key !== "Escape") return;
      const open = [...document.querySelectorAll(`${DIALOG} ${PICKER}`)].filter(shown);
      if (!open.length) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      for (const picker of open) {
        if (window.jQuery) window.jQuery(picker).trigger("close.xdsoft");
        else picker.style.display = "none";
      }
    },
    true,
  );

  // 2. Names for screen readers where Wagtail's widgets give none (axe: serious/critical):
  // the rich-text editor's text box, an image block's button, the tag field's text input.
  function labelOf(el) {
    // A field's label is its own, or (for a field that is a whole panel) the panel's heading.
    const field = el.closest(".w-field__wrapper");
    const panel = el.closest(".w-panel");
    const label = (field && field.querySelector(".w-field__label")) || (panel && panel.querySelector(".w-panel__heading"));
    return label ? label.textContent.replace("*", "").trim() : "";
  }

  function name(el, text) {
    if (text && !el.hasAttribute("aria-label") && !el.hasAttribute("aria-labelledby")) el.setAttribute("aria-label", text);
  }

  function mend(root) {
    root.querySelectorAll(".Draftail-Editor [role=textbox], .Draftail-Editor [contenteditable=true]").forEach((el) => name(el, labelOf(el)));
    root.querySelectorAll(".MediaBlock").forEach((el) => {
      const img = el.querySelector("img");
      name(el, img && img.alt ? img.alt : el.textContent.trim() || "Image");
    });
    root.querySelectorAll("input.ui-autocomplete-input").forEach((el) => name(el, labelOf(el)));
  }

  const start = () => {
    mend(document);
    new MutationObserver(() => mend(document)).observe(document.body, { childList: true, subtree: true });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
