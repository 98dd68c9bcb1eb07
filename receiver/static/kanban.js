// Drag and drop on the Kanban board. Each card also has a status <select> and a Move button,
// which work from the keyboard and without JavaScript; a drop simply fills in that select and
// submits the card's own form, so both ways take the same server path.
(function () {
  "use strict";
  var board = document.getElementById("kanban");
  if (!board) { return; }
  var dragged = null;

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".kanban-card");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-application-id"));
  });

  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    Array.prototype.forEach.call(board.querySelectorAll(".drop-target"), function (column) {
      column.classList.remove("drop-target");
    });
  });

  board.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".kanban-column");
    if (!column || !dragged) { return; }
    event.preventDefault();
    column.classList.add("drop-target");
  });

  board.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".kanban-column");
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("drop-target"); }
  });

  board.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".kanban-column");
    if (!column || !dragged) { return; }
    event.preventDefault();
    var select = dragged.querySelector("select[name=status]");
    var status = column.getAttribute("data-status");
    if (!select || select.value === status) { return; }
    select.value = status;
    column.querySelector(".kanban-cards").appendChild(dragged);
    select.form.requestSubmit();
  });
})();
