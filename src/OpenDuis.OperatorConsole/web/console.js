// Keeps a live list to a screenful: rows added by the server-sent events beyond this are dropped
// (older messages stay reachable through the list's pages).
const MaxLiveRows = 300;
document.addEventListener("htmx:sseMessage", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLTableSectionElement)) return;
  while (target.rows.length > MaxLiveRows) target.deleteRow(target.rows.length - 1);
});
