// Genba admin pages: the only script. Refreshes marked regions in place (no full reload).
(function () {
  "use strict";
  function refresh(region) {
    var url = region.getAttribute("data-refresh");
    var every = parseInt(region.getAttribute("data-every"), 10) || 15;
    function tick() {
      if (document.hidden) { setTimeout(tick, every * 1000); return; }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) {
          if (response.status === 401) { window.location.reload(); return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          // The server rendered and escaped this HTML; it is the same markup the page was built with.
          if (html !== null) { region.innerHTML = html; region.setAttribute("data-refreshed", String(Date.now())); }
        })
        .catch(function () { /* server away: try again next time */ })
        .then(function () { setTimeout(tick, every * 1000); });
    }
    setTimeout(tick, every * 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-refresh]"), refresh);
  });
})();
