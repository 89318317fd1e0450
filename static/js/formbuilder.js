// The form builder's page behaviour, without libraries:
// - drag-and-drop of the field rows (HTML5 drag events). A dropped row moves in the table and
//   the order form (one hidden `keys` input per row, form="field-order") is submitted; htmx
//   posts it and swaps in the new list and preview, a plain submit reloads the page.
// - on the field form, only the options and rules of the chosen type are shown.
// Listeners sit on the document, so they keep working after htmx swaps the page; the guard
// keeps a script that a swap brings in again from adding them twice.
(() => {
  if (window.atriumFormBuilder) return;
  window.atriumFormBuilder = true;

  const ROW = "tr[data-field-key]";
  let dragged = null;

  const clearMarks = () => {
    document.querySelectorAll(".drop-before, .drop-after").forEach((row) => {
      row.classList.remove("drop-before", "drop-after");
    });
  };

  // Above or below the middle of the row under the pointer.
  const dropsAfter = (row, event) => {
    const box = row.getBoundingClientRect();
    return event.clientY > box.top + box.height / 2;
  };

  const targetRow = (event) => {
    const row = event.target instanceof Element ? event.target.closest(ROW) : null;
    return row && dragged && row !== dragged && row.parentNode === dragged.parentNode ? row : null;
  };

  document.addEventListener("dragstart", (event) => {
    const row = event.target instanceof Element ? event.target.closest(ROW) : null;
    if (!row) return;
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.fieldKey);
  });

  document.addEventListener("dragover", (event) => {
    const row = targetRow(event);
    if (!row) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = "move";
    clearMarks();
    row.classList.add(dropsAfter(row, event) ? "drop-after" : "drop-before");
  });

  document.addEventListener("drop", (event) => {
    const row = targetRow(event);
    if (!row) return;
    event.preventDefault();
    const before = [...row.parentNode.querySelectorAll(ROW)].map((r) => r.dataset.fieldKey);
    row.parentNode.insertBefore(dragged, dropsAfter(row, event) ? row.nextSibling : row);
    const after = [...row.parentNode.querySelectorAll(ROW)].map((r) => r.dataset.fieldKey);
    if (before.join() !== after.join()) {
      const form = document.getElementById("field-order");
      if (form) form.requestSubmit();
    }
  });

  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearMarks();
  });

  // Field form: show the options and rules that apply to the chosen type.
  const showTypeSections = () => {
    const type = document.querySelector('.field-form select[name="field_type"]');
    if (!type) return;
    document.querySelectorAll(".field-form [data-field-types]").forEach((section) => {
      section.hidden = !section.dataset.fieldTypes.split(" ").includes(type.value);
    });
  };
  document.addEventListener("change", (event) => {
    if (event.target.matches('.field-form select[name="field_type"]')) showTypeSections();
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showTypeSections);
  } else {
    showTypeSections();
  }
})();
