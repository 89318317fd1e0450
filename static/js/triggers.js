// The trigger builder: each action shows only the fields its type uses (data-for="<types>").
// Without this script every field shows and the server ignores those the type does not use.
function showActionFields(row) {
  const type = row.querySelector("select[data-action-type]")?.value || "";
  for (const part of row.querySelectorAll("[data-for]")) {
    part.hidden = !part.dataset.for.split(" ").includes(type);
  }
}

document.addEventListener("change", (event) => {
  const select = event.target instanceof Element ? event.target.closest("select[data-action-type]") : null;
  if (select) showActionFields(select.closest(".action-row"));
});

// A new action (data-add-form="action") starts with its fields hidden like the others.
document.addEventListener("click", (event) => {
  if (!(event.target instanceof Element) || !event.target.closest('[data-add-form="action"]')) return;
  setTimeout(() => document.querySelectorAll(".action-row").forEach(showActionFields));
});

document.querySelectorAll(".action-row").forEach(showActionFields);
