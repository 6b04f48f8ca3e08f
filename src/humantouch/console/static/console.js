// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // The queue's table body refreshes itself every few seconds (not while focus is inside it,
  // so a keyboard user never loses their place; not while the tab is hidden).
  var REFRESH_MS = 5000;
  document.querySelectorAll("[data-refresh]").forEach(function (body) {
    var status = document.getElementById(body.getAttribute("data-status"));
    var template = body.getAttribute("data-count-text");
    function refresh() {
      if (document.hidden || body.contains(document.activeElement)) return;
      fetch(body.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok && !r.redirected ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          body.innerHTML = html;
          body.setAttribute("data-refreshed", String(Date.now()));
          if (status && template) {
            var n = body.querySelectorAll("tr[class^='prio-']").length;
            var text = template.replace("{n}", String(n));
            if (status.textContent !== text) status.textContent = text;
          }
        })
        .catch(function () { /* offline for a moment: try again on the next tick */ });
    }
    window.setInterval(refresh, REFRESH_MS);
  });

  // Charts: plotly figures sent as JSON beside their container, drawn with the packaged plotly.
  if (window.Plotly) {
    document.querySelectorAll("[data-figure]").forEach(function (div) {
      var source = document.getElementById(div.getAttribute("data-figure"));
      if (!source) return;
      var fig = JSON.parse(source.textContent);
      window.Plotly.newPlot(div, fig.data, fig.layout, { displayModeBar: false, responsive: true });
    });
  }
})();
