// The dashboard's report dialog and date-range controls. Without this file every figure link
// opens its report as a page and every form reloads the dashboard: nothing depends on it.
(function () {
  "use strict";

  function dialog() {
    return document.getElementById("report-dialog");
  }

  // A figure's report arrives in the dialog's body (hx-target); show it once it is there.
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = dialog();
    if (!box || event.detail.target.id !== "report-dialog-body") return;
    if (!box.open) box.showModal();
    var heading = box.querySelector("#report-title");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  });

  // Clicking the backdrop (outside the dialog's box) closes it, as Escape does.
  document.addEventListener("click", function (event) {
    var box = dialog();
    if (box && box.open && event.target === box) box.close();
  });

  // Editing a date means a custom range; the Apply button then sends it.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-range-date]")) return;
    var choice = input.form && input.form.querySelector("select[data-range-choice]");
    if (choice) choice.value = "custom";
  });
})();
