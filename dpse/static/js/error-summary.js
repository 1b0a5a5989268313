/* After a form comes back with errors, move focus to its "There is a problem" summary, so a
   screen reader announces it and a keyboard starts from it (as GOV.UK Frontend does); each of its
   links then takes focus to the field it is about. Pages work the same without this file: the
   summary is the first thing in <main>, and its links still jump to the fields. */
(function () {
  "use strict";

  function fieldFor(link) {
    var id = decodeURIComponent(link.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target) {
      return null;
    }
    // A group (checkboxes, a date's day/month/year) names its container: take its first input.
    if (!target.matches("input, select, textarea, button")) {
      target = target.querySelector("input, select, textarea, button") || target;
    }
    return target;
  }

  function labelFor(field) {
    var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
    return legend || (field.id && document.querySelector('label[for="' + CSS.escape(field.id) + '"]'));
  }

  function start() {
    var summary = document.querySelector(".error-summary");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && fieldFor(link);
      if (!field) {
        return;
      }
      // After the browser has followed the link (the address keeps its #field), focus the
      // field and show its label (or legend) above it, not just the field at the top edge.
      window.setTimeout(function () {
        (labelFor(field) || field).scrollIntoView();
        field.focus({ preventScroll: true });
      }, 0);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
