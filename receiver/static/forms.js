// Submits a form as soon as one of its [data-submit-on-change] fields changes. A listener in a
// file, not an onchange="" attribute: the Content-Security-Policy runs no inline script.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.form && field.matches && field.matches("[data-submit-on-change]")) {
      field.form.requestSubmit();
    }
  });
})();
