/* Turnout dashboard: fetch the JSON twin of the page every few seconds and swap the numbers.
 * No framework, no inline code (the CSP forbids it). Without this script the page still
 * works and has a refresh link. Polling pauses while the tab is hidden and stops once
 * voting is over, since the numbers can no longer change. */
(function () {
  "use strict";

  var root = document.getElementById("turnout");
  if (!root || !window.fetch) {
    return;
  }
  var url = root.getAttribute("data-turnout-url");
  var seconds = parseInt(root.getAttribute("data-refresh-seconds"), 10) || 10;
  var live = root.getAttribute("data-live") === "true";
  var timer = null;

  function apply(data) {
    if (!data || !data.available) {
      return;
    }
    var values = data.values || {};
    var meters = data.meters || {};
    root.querySelectorAll("[data-value]").forEach(function (cell) {
      var text = values[cell.getAttribute("data-value")];
      if (typeof text === "string" && cell.textContent !== text) {
        cell.textContent = text;
      }
    });
    root.querySelectorAll("[data-meter]").forEach(function (meter) {
      var value = meters[meter.getAttribute("data-meter")];
      meter.value = typeof value === "number" ? value : 0;
    });
    var updated = root.querySelector("[data-updated]");
    if (updated && typeof data.updated === "string") {
      updated.textContent = data.updated;
    }
    live = data.live === true;
  }

  function schedule() {
    if (live) {
      timer = window.setTimeout(refresh, seconds * 1000);
    }
  }

  function refresh() {
    timer = null;
    if (document.hidden) {
      schedule();
      return;
    }
    window
      .fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("turnout: HTTP " + response.status);
        }
        return response.json();
      })
      .then(apply)
      .catch(function () {
        /* A missed refresh is harmless: the next one, or the refresh link, catches up. */
      })
      .then(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && live && timer === null) {
      refresh();
    }
  });
  schedule();
})();
