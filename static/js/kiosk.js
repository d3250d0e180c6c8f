// Idle reset for a shared tablet: after IDLE_SECONDS without a touch, show a countdown; at zero,
// go to /reset, which clears the session and returns to the start in the default language.
// The dialog is looked up each time: boosted navigation replaces the body's content.
(function () {
  "use strict";
  var body = document.body;
  var idleMs = parseInt(body.dataset.idleSeconds, 10) * 1000;
  var countdown = parseInt(body.dataset.idleCountdown, 10);
  var resetUrl = body.dataset.resetUrl;
  var idleTimer = null, tickTimer = null, left = countdown, showing = false;

  function dialog() { return document.getElementById("idle"); }
  function setCount(n) {
    var counter = dialog() && dialog().querySelector(".idle-count");
    if (counter) { counter.textContent = String(Math.max(n, 0)); }
  }
  function tick() {
    left -= 1;
    setCount(left);
    if (left <= 0) {
      clearInterval(tickTimer);
      window.location.replace(resetUrl);
    }
  }
  function showCountdown() {
    showing = true;
    left = countdown;
    setCount(left);
    var d = dialog();
    if (d) {
      d.hidden = false;
      body.classList.add("idle-showing");
      d.querySelector(".idle-continue").focus();
    }
    tickTimer = setInterval(tick, 1000);
  }
  function activity() {
    if (showing) { return; }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(showCountdown, idleMs);
  }
  function stay() {
    clearInterval(tickTimer);
    showing = false;
    var d = dialog();
    if (d) { d.hidden = true; }
    body.classList.remove("idle-showing");
    activity();
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest(".idle-continue")) { stay(); }
  });
  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, activity, { passive: true, capture: true });
  });
  activity();
  // A page the browser kept in its back/forward cache is shown as it was, without asking the
  // kiosk: ask again, so Back after the idle reset shows nothing of the previous visitor.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) { window.location.reload(); }
  });
})();

// Forms: after a failed submit, focus and show the error summary (GOV.UK pattern); while a form
// is being sent, its button is disabled and says so, so nobody presses it twice.
(function () {
  "use strict";
  function focusSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.scrollIntoView({block: "start"}); summary.focus(); }
  }
  document.addEventListener("DOMContentLoaded", focusSummary);
  document.addEventListener("htmx:load", focusSummary);
  document.addEventListener("submit", function (e) {
    var form = e.target, label = form.dataset && form.dataset.sending;
    if (!label) { return; }
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      // Disabled after the browser has taken the form's values (a disabled button sends none).
      setTimeout(function () { button.disabled = true; button.textContent = label; }, 0);
    });
  }, true);
})();
