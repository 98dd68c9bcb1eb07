// "Copy" buttons: a button with data-copy-target="ID" copies that textarea's text to the
// clipboard. The buttons stay hidden without script (the text can still be selected by hand);
// clicks are caught on the document so buttons of a refreshed page work too. A draft edited in
// its textarea (data-compose-link="ID") carries the edit into that "Open in Gmail" link.
(function () {
  "use strict";
  var SELECTOR = "button[data-copy-target]";

  function reveal() {
    Array.prototype.forEach.call(document.querySelectorAll(SELECTOR), function (button) {
      button.hidden = false;
    });
  }

  function say(button, words) {
    var announcer = document.getElementById("live-announcer");
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = words;
    if (announcer) { announcer.textContent = words; }
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }

  function copyBySelecting(field) {
    field.focus();
    field.select();
    return document.execCommand && document.execCommand("copy");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(SELECTOR);
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) { return; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { say(button, "Copied"); },
        function () { say(button, copyBySelecting(field) ? "Copied" : "Select the text to copy it"); }
      );
    } else {
      say(button, copyBySelecting(field) ? "Copied" : "Select the text to copy it");
    }
  });

  document.addEventListener("input", function (event) {
    var field = event.target;
    var link = field.dataset && document.getElementById(field.dataset.composeLink || "");
    if (!link) { return; }
    var url = new URL(link.href);
    url.searchParams.set("body", field.value);
    link.href = url.toString();
  });

  reveal();
  document.addEventListener("applytrack:updated", reveal);
})();
