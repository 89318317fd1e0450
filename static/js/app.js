// "Select all" for the bulk-action checkboxes. Delegated from the document so it keeps working
// after htmx swaps in a new results table.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-select-all]");
  if (!all) return;
  all.form.querySelectorAll('input[name="lead_ids"]').forEach((box) => {
    box.checked = all.checked;
  });
});
