// SLA countdowns (incident_ui.countdown_html): tick the business time left down while the
// clock counts, and turn the badge amber at the policy's first warning threshold and red when
// it is breached. The server says, per badge, the seconds left (data-left, negative when
// overdue), where amber starts (data-warn) and how many wall seconds the clock keeps counting
// without a break (data-run: to the end of the current working interval, 0 when paused or
// outside working hours); the browser never guesses the calendar beyond that.
(function () {
  "use strict";
  var node = document.getElementById("countdown-formats");
  // Once per page, even when htmx swaps in content that includes this script again.
  if (!node || window.itsmCountdowns) return;
  window.itsmCountdowns = true;
  var formats = JSON.parse(node.textContent);
  var CLASSES = { ok: "text-bg-success", warning: "text-bg-warning", breached: "text-bg-danger" };
  var seen = new WeakMap();

  function phrase(seconds, overdue) {
    var minutes = Math.max(Math.ceil(seconds / 60), 0);
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    var key = (overdue ? "over_" : "left_") + (hours && minutes ? "hm" : hours ? "h" : "m");
    return formats[key].replace("%(hours)s", hours).replace("%(minutes)s", minutes);
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var level = el.dataset.level;
      if (!(level in CLASSES)) return; // paused or stopped: nothing moves
      var run = Number(el.dataset.run);
      if (!run) return;
      if (!seen.has(el)) seen.set(el, now);
      var elapsed = Math.min((now - seen.get(el)) / 1000, run);
      var left = Number(el.dataset.left) - elapsed;
      var warn = el.dataset.warn === "" ? null : Number(el.dataset.warn);
      var next = level === "breached" || left < 0 ? "breached" : warn !== null && left <= warn ? "warning" : "ok";
      var text = left < 0 ? phrase(-left, true) : next === "breached" ? formats.breached : phrase(left, false);
      if (next !== level) {
        el.classList.remove(CLASSES[level]);
        el.classList.add(CLASSES[next]);
        el.dataset.level = next;
      }
      if (el.textContent !== text) el.textContent = text;
    });
  }

  tick();
  window.setInterval(tick, 1000);
})();
