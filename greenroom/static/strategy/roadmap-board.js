// Drag a card to another column (or another place in one): the move is posted to the item's
// move URL and the card stays where it was dropped; if the server refuses, the page reloads
// to show where things really are. Without JavaScript each card's move form does the same.
(function () {
  "use strict";
  const board = document.querySelector("[data-board]");
  if (!board) return;
  let dragged = null;

  function token() {
    const input = board.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function placeBefore(list, y) {
    const cards = [...list.querySelectorAll(".board-card:not(.dragging)")];
    return cards.find((card) => {
      const box = card.getBoundingClientRect();
      return y < box.top + box.height / 2;
    });
  }

  board.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".board-card[draggable=true]");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.item);
  });

  board.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    board.querySelectorAll(".drop-target").forEach((c) => c.classList.remove("drop-target"));
    dragged = null;
  });

  board.addEventListener("dragover", (event) => {
    const column = event.target.closest("[data-column]");
    if (!dragged || !column) return;
    event.preventDefault();
    board.querySelectorAll(".drop-target").forEach((c) => c.classList.remove("drop-target"));
    column.classList.add("drop-target");
  });

  board.addEventListener("drop", async (event) => {
    const column = event.target.closest("[data-column]");
    if (!dragged || !column) return;
    event.preventDefault();
    const card = dragged;
    const list = column.querySelector(".board-items");
    const before = placeBefore(list, event.clientY);
    const empty = list.querySelector(".board-empty");
    if (empty) empty.remove();
    list.insertBefore(card, before || null);
    const position = [...list.querySelectorAll(".board-card")].indexOf(card);
    const body = new URLSearchParams({ column: column.dataset.column, position: String(position) });
    const select = card.querySelector("select[name=column]");
    if (select) select.value = column.dataset.column;
    const response = await fetch(card.dataset.moveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token(), Accept: "application/json" },
      body: body,
      credentials: "same-origin",
    });
    if (!response.ok) {
      window.location.reload();
      return;
    }
    board.querySelectorAll("[data-column]").forEach((c) => {
      const count = c.querySelector("[data-count]");
      if (count) count.textContent = c.querySelectorAll(".board-card").length;
    });
    const status = document.getElementById("board-status");
    if (status) status.textContent = `Moved “${card.dataset.title}” to ${column.dataset.column}.`;
  });
})();
