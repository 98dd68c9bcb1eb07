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

  window.ApplyTrackTime = { format: format };
  document.addEventListener("DOMContentLoaded", function () { format(document); });
  document.addEventListener("applytrack:updated", function () { format(document); });
})();
