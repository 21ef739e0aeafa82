/* A signed-in page: keep a busy reader signed in, warn an idle one before the session ends.
 * The server ends a session idle longer than data-idle-seconds; any request resets that
 * clock. Typing or tapping here is activity: the page asks data-alive-url at most every
 * 30 seconds while its reader is active, and a minute before the limit without activity
 * it shows the warning (WCAG 2.2.1). Without this file the limit still holds. */
(function () {
  "use strict";
  var body = document.body;
  var limit = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var url = body.getAttribute("data-alive-url");
  var banner = document.querySelector("[data-idle-banner]");
  var ASK_EVERY_MS = 30000;
  var WARN_BEFORE_MS = 60000;
  if (!limit || !url) { return; }
  var lastActive = Date.now();
  var lastAsked = lastActive; /* loading this page was a request */

  function active() {
    lastActive = Date.now();
    if (banner) { banner.hidden = true; }
    if (lastActive - lastAsked >= ASK_EVERY_MS) {
      lastAsked = lastActive;
      fetch(url, { credentials: "same-origin", cache: "no-store" });
    }
  }

  ["keydown", "pointerdown", "input"].forEach(function (name) {
    document.addEventListener(name, active, true);
  });
  window.setInterval(function () {
    if (banner && Date.now() - lastAsked >= limit * 1000 - WARN_BEFORE_MS) { banner.hidden = false; }
  }, 5000);
})();
