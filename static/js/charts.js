// Draws every Plotly figure on the page. A view hands each figure as JSON with json_script:
// <div class="chart" data-figure="ID"></div> ... {{ figure|json_script:"ID" }}
// where the JSON is {"data": [...], "layout": {...}}. Re-run after htmx swaps new content in.
(function () {
  "use strict";

  function draw(root) {
    if (typeof Plotly === "undefined") return;
    root.querySelectorAll(".chart[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      var layout = Object.assign(
        { margin: { l: 48, r: 16, t: 16, b: 40 }, font: { family: "system-ui, sans-serif" } },
        figure.layout || {}
      );
      Plotly.react(el, figure.data || [], layout, { displayModeBar: false, responsive: true });
      el.dataset.drawn = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
