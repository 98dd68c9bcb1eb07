// Keeps a page current: polls a small JSON marker and, when it changes, swaps in the new page.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var main = document.querySelector("main[data-live-url]");
  if (!main || !window.fetch || !window.DOMParser) { return; }
  var url = main.getAttribute("data-live-url");
  var marker = main.getAttribute("data-live-marker");
  var busy = false;

  function userIsEditing() {
    var active = document.activeElement;
    return active && main.contains(active) &&
      /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName);
  }

  function refresh(next) {
    return fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        if (!fresh) { return; }
        main.innerHTML = fresh.innerHTML;
        marker = next;
        main.setAttribute("data-live-marker", next);
        document.dispatchEvent(new CustomEvent("applytrack:updated"));
      });
  }

  function poll() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && body.marker !== marker && !userIsEditing()) { return refresh(body.marker); }
      })
      .catch(function () { /* offline for a moment: try again on the next tick */ })
      .then(function () { busy = false; });
  }

  window.setInterval(poll, POLL_MS);
})();
