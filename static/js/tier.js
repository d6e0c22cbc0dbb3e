// Partner > Tier: dialogs swapped in by htmx (the beta terms, the client panel) become modal,
// so that focus stays inside them and Escape closes them.
(function () {
  "use strict";

  function upgrade(root) {
    root.querySelectorAll("dialog[open][data-modal]").forEach(function (dialog) {
      if (typeof dialog.showModal !== "function" || dialog.dataset.upgraded) return;
      dialog.dataset.upgraded = "true";
      dialog.close();
      dialog.showModal();
    });
  }

  document.addEventListener("htmx:afterSettle", function (event) { upgrade(event.target); });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var panel = document.querySelector("#client-panel dialog[open]");
    if (panel) panel.close();
  });
})();
