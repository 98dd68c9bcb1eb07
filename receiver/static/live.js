// Keeps a page current without replacing it: polls a small JSON marker and, when it changes,
// fetches the page again and updates only what changed. Lists ([data-live-list]) are updated row
// by row ([data-live-id]), in the order the server sorted them; other parts ([data-live-part])
// are swapped whole unless the person is working inside them. Keyboard focus stays where it was,
// and what changed is announced through a polite aria-live region.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var main = document.querySelector("main[data-live-url]");
  if (!main || !window.fetch || !window.DOMParser) { return; }
  var url = main.getAttribute("data-live-url");
  var marker = main.getAttribute("data-live-marker");
  var announcer = document.getElementById("live-announcer");
  var busy = false;
  // What the server sent for each live element: local_time.js rewrites times in the page, so
  // the page itself is not what to compare a fresh copy with.
  var SERVER_HTML = "applytrackServerHtml";

  function remember(element, html) { element[SERVER_HTML] = html; return element; }
  function sentHtml(element, inner) {
    return element[SERVER_HTML] || (inner ? element.innerHTML : element.outerHTML);
  }
  function rememberAll() {
    Array.prototype.forEach.call(main.querySelectorAll("[data-live-id]"), function (element) {
      remember(element, element.outerHTML);
    });
    Array.prototype.forEach.call(main.querySelectorAll("[data-live-part]"), function (element) {
      remember(element, element.innerHTML);
    });
  }
  rememberAll();

  function isEditing(container) {
    var active = document.activeElement;
    return active && container.contains(active) &&
      (/^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName) || active.closest("details[open]"));
  }

  // Where the focus is, as something that survives a swap: an id, or the nth focusable element.
  function focusPlace(container) {
    var active = document.activeElement;
    if (!active || !container.contains(active)) { return null; }
    if (active.id) { return { id: active.id }; }
    var focusable = container.querySelectorAll("a, button, input, select, textarea, summary");
    return { index: Array.prototype.indexOf.call(focusable, active) };
  }

  function restoreFocus(container, place) {
    if (!place) { return; }
    var target = place.id ? document.getElementById(place.id) :
      container.querySelectorAll("a, button, input, select, textarea, summary")[place.index];
    if (target) { target.focus({ preventScroll: true }); }
  }

  function updateList(list, fresh, changes) {
    var old = {};
    Array.prototype.forEach.call(list.children, function (row) {
      old[row.getAttribute("data-live-id")] = row;
    });
    var wanted = Array.prototype.map.call(fresh.children, function (row) {
      var id = row.getAttribute("data-live-id");
      var current = old[id];
      delete old[id];
      if (!current) {
        changes.push(row.getAttribute("data-live-summary"));
        return remember(document.importNode(row, true), row.outerHTML);
      }
      if (sentHtml(current, false) !== row.outerHTML && !isEditing(current)) {
        var place = focusPlace(current);
        if (current.getAttribute("data-live-summary") !== row.getAttribute("data-live-summary")) {
          changes.push(row.getAttribute("data-live-summary"));
        }
        var replacement = remember(document.importNode(row, true), row.outerHTML);
        current.replaceWith(replacement);
        restoreFocus(replacement, place);
        return replacement;
      }
      return current;
    });
    Object.keys(old).forEach(function (id) {
      if (!old[id].contains(document.activeElement)) { old[id].remove(); }
    });
    wanted.forEach(function (row, index) {
      if (list.children[index] !== row) { list.insertBefore(row, list.children[index] || null); }
    });
  }

  function updatePart(part, fresh) {
    if (sentHtml(part, true) === fresh.innerHTML || isEditing(part)) { return; }
    var place = focusPlace(part);
    part.innerHTML = fresh.innerHTML;
    remember(part, fresh.innerHTML);
    restoreFocus(part, place);
  }

  function swapWhole(doc) {
    var fresh = doc.querySelector("main");
    if (!fresh || isEditing(main)) { return false; }
    var place = focusPlace(main);
    main.innerHTML = fresh.innerHTML;
    rememberAll();
    restoreFocus(main, place);
    return true;
  }

  function sameStructure(doc) {
    var ids = function (root) {
      return Array.prototype.map.call(root.querySelectorAll("[data-live-list]"), function (list) {
        return list.id;
      }).join(" ");
    };
    return ids(main) === ids(doc);
  }

  function apply(doc) {
    var changes = [];
    var lists = main.querySelectorAll("[data-live-list][id]");
    var parts = main.querySelectorAll("[data-live-part][id]");
    if ((!lists.length && !parts.length) || !sameStructure(doc)) {
      return { changes: [], whole: swapWhole(doc) };
    }
    Array.prototype.forEach.call(lists, function (list) {
      updateList(list, doc.getElementById(list.id), changes);
    });
    Array.prototype.forEach.call(parts, function (part) {
      var fresh = doc.getElementById(part.id);
      if (fresh) { updatePart(part, fresh); }
    });
    return { changes: changes.filter(Boolean), whole: false };
  }

  function announce(message) {
    if (!announcer || !message) { return; }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = message; }, 50);
  }

  function refresh(next) {
    return fetch(window.location.href, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-Live-Refresh": "1" }
    })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var result = apply(doc);
        marker = next;
        main.setAttribute("data-live-marker", next);
        document.dispatchEvent(new CustomEvent("applytrack:updated"));
        if (result.whole) {
          announce("This page was updated.");  // a section appeared or went: no row to name
        } else if (result.changes.length) {
          announce("Updated: " + result.changes.slice(0, 5).join("; ") +
            (result.changes.length > 5 ? "; and " + (result.changes.length - 5) + " more." : "."));
        }
      });
  }

  function poll() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && body.marker !== marker) { return refresh(body.marker); }
      })
      .catch(function () { /* offline for a moment: try again on the next tick */ })
      .then(function () { busy = false; });
  }

  window.setInterval(poll, POLL_MS);
})();
