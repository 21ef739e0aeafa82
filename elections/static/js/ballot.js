/* Ballot niceties; every page works without this file (the server enforces every rule).
 * - a "choose up to N" position says how many are chosen, and once N are ticked its other
 *   boxes stop ticking; they stay in the Tab order (aria-disabled, not disabled), so a
 *   keyboard or screen-reader user still meets every candidate;
 * - a form marked data-submit-once is sent only once, so a double click shows the receipt
 *   of the first click rather than the refusal of the second;
 * - the receipt's Print button appears and prints. */
(function () {
  "use strict";

  function limitCheckboxes(fieldset) {
    var max = parseInt(fieldset.getAttribute("data-max"), 10);
    var boxes = fieldset.querySelectorAll('input[type="checkbox"]');
    var count = fieldset.querySelector("[data-chosen-count]");
    function update() {
      var ticked = 0;
      boxes.forEach(function (box) { if (box.checked) { ticked += 1; } });
      boxes.forEach(function (box) {
        if (!box.checked && ticked >= max) {
          box.setAttribute("aria-disabled", "true");
        } else {
          box.removeAttribute("aria-disabled");
        }
      });
      if (count) {
        count.textContent = count.getAttribute("data-chosen-count").replace("{chosen}", ticked);
      }
    }
    boxes.forEach(function (box) {
      box.addEventListener("click", function (event) {
        if (box.getAttribute("aria-disabled") === "true") { event.preventDefault(); }
      });
      box.addEventListener("change", update);
    });
    update();
  }

  function submitOnce(form) {
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (sent) { event.preventDefault(); return; }
      sent = true;
    });
    /* Coming back with the Back button must not leave the form dead. */
    window.addEventListener("pageshow", function () { sent = false; });
  }

  document.querySelectorAll('fieldset[data-method="multi"][data-max]').forEach(limitCheckboxes);
  document.querySelectorAll("form[data-submit-once]").forEach(submitOnce);
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
