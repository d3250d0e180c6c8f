// Idle reset for a shared tablet: after IDLE_SECONDS without a touch, show a countdown; at zero,
// go to /reset, which clears the session and returns to the start in the default language.
(function () {
  "use strict";
  var body = document.body;
  var idleMs = parseInt(body.dataset.idleSeconds, 10) * 1000;
  var countdown = parseInt(body.dataset.idleCountdown, 10);
  var resetUrl = body.dataset.resetUrl;
  var dialog = document.getElementById("idle");
  var counter = dialog.querySelector(".idle-count");
  var idleTimer = null, tickTimer = null, left = countdown;

  function reset() {
    window.location.replace(resetUrl);
  }
  function tick() {
    left -= 1;
    counter.textContent = String(Math.max(left, 0));
    if (left <= 0) { clearInterval(tickTimer); reset(); }
  }
  function showCountdown() {
    left = countdown;
    counter.textContent = String(left);
    dialog.hidden = false;
    dialog.querySelector(".idle-continue").focus();
    tickTimer = setInterval(tick, 1000);
  }
  function activity() {
    if (!dialog.hidden) { return; }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(showCountdown, idleMs);
  }
  function stay() {
    clearInterval(tickTimer);
    dialog.hidden = true;
    activity();
  }
  dialog.querySelector(".idle-continue").addEventListener("click", stay);
  ["pointerdown", "keydown", "input", "scroll", "touchstart"].forEach(function (name) {
    window.addEventListener(name, activity, { passive: true, capture: true });
  });
  // htmx swaps the body on boosted navigation; keep the timers running from the same script.
  activity();
})();
