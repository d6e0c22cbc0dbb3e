// The points calculator sidebar (PRODUCT.md T8): tabs, the Currency tab's direction, and
// remembering whether the sidebar is open. The answers themselves come from the server (htmx).
(function () {
  "use strict";

  var STORAGE_KEY = "points-calculator-open";

  function selectTab(calculator, name) {
    calculator.querySelectorAll("[data-tab]").forEach(function (tab) {
      var selected = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", selected ? "true" : "false");
      tab.tabIndex = selected ? 0 : -1;
    });
    calculator.querySelectorAll("[data-panel]").forEach(function (panel) {
      panel.hidden = panel.dataset.panel !== name;
    });
  }

  function showDirection(form) {
    var select = form.querySelector("select[name$='direction']");
    if (!select) return;
    form.querySelectorAll("[data-direction]").forEach(function (field) {
      field.hidden = field.dataset.direction !== select.value;
    });
  }

  function setUp(root) {
    root.querySelectorAll("[data-calculator]:not([data-ready])").forEach(function (calculator) {
      calculator.dataset.ready = "true";
      var current = calculator.querySelector("[data-tab][aria-selected='true']");
      selectTab(calculator, current ? current.dataset.tab : "points");
      calculator.querySelectorAll("[data-tab]").forEach(function (tab) {
        tab.addEventListener("click", function (event) {
          event.preventDefault();
          selectTab(calculator, tab.dataset.tab);
        });
        tab.addEventListener("keydown", function (event) {
          if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
          var other = calculator.querySelector("[data-tab][aria-selected='false']");
          if (other) { selectTab(calculator, other.dataset.tab); other.focus(); }
        });
      });
      calculator.querySelectorAll("[data-direction-form]").forEach(function (form) {
        showDirection(form);
        form.addEventListener("change", function () { showDirection(form); });
      });
    });
  }

  function rememberSidebar() {
    var sidebar = document.getElementById("calculator-sidebar");
    if (!sidebar) return;
    try {
      if (window.localStorage.getItem(STORAGE_KEY) === "1") sidebar.open = true;
    } catch (error) { /* storage may be disabled: the sidebar simply starts closed */ }
    sidebar.addEventListener("toggle", function () {
      try { window.localStorage.setItem(STORAGE_KEY, sidebar.open ? "1" : "0"); } catch (error) { /* ignore */ }
    });
  }

  function start() {
    setUp(document);
    rememberSidebar();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  document.addEventListener("htmx:afterSettle", function (event) { setUp(event.target); });
})();
