// The rule form without a fixed number of rows: "Add a condition" copies an empty row and
// "Remove" takes one away. Without this script the form shows a few empty rows instead.
(function () {
  "use strict";
  var MAX_ROWS = 20;

  function nextIndex(rows) {
    var highest = -1;
    rows.querySelectorAll("[name$='-value']").forEach(function (input) {
      var match = /^condition-(\d+)-value$/.exec(input.name);
      if (match) { highest = Math.max(highest, parseInt(match[1], 10)); }
    });
    return highest + 1;
  }

  function renumber(row, index) {
    row.querySelectorAll("[id^='condition-'], [for^='condition-'], [name^='condition-']").forEach(function (el) {
      ["id", "for", "name"].forEach(function (attribute) {
        var value = el.getAttribute(attribute);
        if (value) { el.setAttribute(attribute, value.replace(/^condition-\d+-/, "condition-" + index + "-")); }
      });
    });
  }

  function addRemoveButton(row, rows) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small rule-remove";
    button.textContent = "Remove";
    button.setAttribute("aria-label", "Remove this condition");
    button.addEventListener("click", function () {
      if (rows.querySelectorAll("[data-condition-row]").length > 1) {
        row.remove();
      } else {
        row.querySelector("input[type='text']").value = "";
      }
      var first = rows.querySelector("input[type='text']");
      if (first) { first.focus(); }
    });
    row.appendChild(button);
  }

  function setUp(form) {
    var rows = form.querySelector("[data-condition-rows]");
    if (!rows) { return; }
    rows.querySelectorAll("[data-condition-row]").forEach(function (row) { addRemoveButton(row, rows); });
    var add = document.createElement("button");
    add.type = "button";
    add.className = "small";
    add.textContent = "Add a condition";
    add.addEventListener("click", function () {
      var all = rows.querySelectorAll("[data-condition-row]");
      if (all.length >= MAX_ROWS) { return; }
      var copy = all[all.length - 1].cloneNode(true);
      copy.querySelectorAll(".field-error, .rule-remove").forEach(function (el) { el.remove(); });
      copy.querySelectorAll("[aria-invalid]").forEach(function (el) {
        el.removeAttribute("aria-invalid");
        el.removeAttribute("aria-describedby");
      });
      copy.querySelector("input[type='text']").value = "";
      renumber(copy, nextIndex(rows));
      addRemoveButton(copy, rows);
      rows.appendChild(copy);
      copy.querySelector("select").focus();
    });
    rows.parentNode.appendChild(add);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-rule-form]").forEach(setUp);
  });
})();
