// "Select all" for the bulk-action checkboxes: those of its form named by its
// data-select-all (lead_ids by default), wherever they stand (form="…" included). Delegated
// from the document so it keeps working after htmx swaps in a new results table.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all || !all.form) return;
  const name = all.dataset.selectAll || "lead_ids";
  for (const box of all.form.elements) {
    if (box.name === name) box.checked = all.checked;
  }
});

// The global search box: "/" focuses it unless the member is typing in a field; Escape empties
// its drop-down.
document.addEventListener("keydown", (event) => {
  const box = document.getElementById("global-search");
  if (!box) return;
  if (event.key === "Escape" && event.target === box) {
    document.getElementById("global-search-results").replaceChildren();
    return;
  }
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, textarea, select, [contenteditable]")) return;
  event.preventDefault();
  box.focus();
  box.select();
});

// A click anywhere outside the search box closes its drop-down.
document.addEventListener("click", (event) => {
  const results = document.getElementById("global-search-results");
  if (results && !event.target.closest(".global-search")) results.replaceChildren();
});
