// Shows every <time data-local> in the browser's time zone. Without JavaScript the server's UTC
// text stays, so the page is right either way.
(function () {
  "use strict";
  var STYLES = {
    date: { year: "numeric", month: "short", day: "numeric" },
    datetime: { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }
  };

  function format(root) {
    var times = (root || document).querySelectorAll("time[data-local]");
    Array.prototype.forEach.call(times, function (element) {
      var when = new Date(element.getAttribute("datetime"));
      if (isNaN(when.getTime())) { return; }
      var style = STYLES[element.getAttribute("data-local")] || STYLES.datetime;
      element.textContent = when.toLocaleString(undefined, style);
      element.title = element.getAttribute("datetime").replace("T", " ").replace("Z", " UTC");
    });
  }

  function pad(number) { return (number < 10 ? "0" : "") + number; }

  function localValue(when) {
    return when.getFullYear() + "-" + pad(when.getMonth() + 1) + "-" + pad(when.getDate()) +
      "T" + pad(when.getHours()) + ":" + pad(when.getMinutes());
  }

  // A date-and-time field shows and takes the browser's local time; on submit its value goes
  // to the server in UTC too (NAME_utc), which the server prefers to the field's own value.
  function sendInUtc(form) {
    form.querySelectorAll("input[data-utc-value]").forEach(function (field) {
      var hidden = form.querySelector('input[name="' + field.name + '_utc"]');
      if (!hidden) {
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = field.name + "_utc";
        form.appendChild(hidden);
      }
      var when = field.value ? new Date(field.value) : null;
      hidden.value = when && !isNaN(when.getTime()) ? when.toISOString() : "";
    });
  }

  function localInputs(root) {
    (root || document).querySelectorAll("input[data-utc-value]").forEach(function (field) {
      var utc = field.getAttribute("data-utc-value");
      var when = utc ? new Date(utc) : null;
      if (when && !isNaN(when.getTime())) { field.value = localValue(when); }
      var zone = document.querySelector('[data-zone-for="' + field.id + '"]');
      if (zone) { zone.textContent = "(your time)"; }
      var form = field.form;
      if (form && !form.hasAttribute("data-sends-utc")) {
        form.setAttribute("data-sends-utc", "");
        form.addEventListener("submit", function () { sendInUtc(form); });
      }
    });
  }

  window.ApplyTrackTime = { format: format };
  document.addEventListener("DOMContentLoaded", function () { format(document); localInputs(document); });
  document.addEventListener("applytrack:updated", function () { format(document); localInputs(document); });
})();
