// The front desk's polled board (templates/reception/board.html).
(function () {
  const polled = (event) => event.detail.elt && event.detail.elt.id === "desk-state";
  const shownBoard = () => document.getElementById("board-body");

  // Every poll sends the token of the board shown: an unchanged desk answers 204 and nothing is re-rendered.
  document.addEventListener("htmx:configRequest", (event) => {
    if (!polled(event)) return;
    const board = shownBoard();
    event.detail.parameters.token = (board && board.dataset.token) || "";
  });

  // A poll can be overtaken by an action's answer (the poll read the desk just before the action committed):
  // never let a poll put back a board older than the one shown.
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (!polled(event)) return;
    const shown = shownBoard();
    const incoming = /data-version="(\d+)"/.exec(event.detail.serverResponse);
    if (shown && incoming && Number(incoming[1]) < Number(shown.dataset.version)) event.detail.shouldSwap = false;
  });
})();
