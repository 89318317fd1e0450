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

// "Add a variant", "Add a rule" (data-add-form="<prefix>"): append a blank form to the formset
// from its <template id="<prefix>-empty">, numbered after the others.
document.addEventListener("click", (event) => {
  const add = event.target instanceof Element ? event.target.closest("[data-add-form]") : null;
  if (!add) return;
  const prefix = add.dataset.addForm;
  const template = document.getElementById(`${prefix}-empty`);
  const container = document.querySelector(`[data-formset="${prefix}"]`);
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  if (!template || !container || !total) return;
  const index = Number(total.value);
  container.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__prefix__", String(index)));
  total.value = String(index + 1);
  const first = container.lastElementChild?.querySelector("select, input, textarea");
  if (first) first.focus();
});

// The condition builder: choosing a rule's field offers only the operators that field takes
// (the server's own sets, in <script type="application/json" id="condition-operators">) and
// the segment list instead of a value for "Segment". Captured, so the builder's live count
// (htmx, on the form's change) already posts the narrowed row.
document.addEventListener(
  "change",
  (event) => {
    const field = event.target;
    if (!(field instanceof HTMLSelectElement) || !field.hasAttribute("data-rule-field")) return;
    const source = document.getElementById("condition-operators");
    const row = field.closest(".rule-row");
    const op = row?.querySelector('select[name$="-op"]');
    if (!source || !op) return;
    const choices = JSON.parse(source.textContent)[field.value] || [];
    const current = op.value;
    op.replaceChildren(new Option("—", ""));
    for (const [value, label] of choices) op.add(new Option(label, value));
    op.value = choices.some(([value]) => value === current) ? current : choices[0]?.[0] ?? "";
    const isSegment = field.value === "segment";
    row.querySelector("[data-rule-value]").hidden = isSegment;
    row.querySelector("[data-rule-segment]").hidden = !isSegment;
  },
  true,
);

// "Menu" (phone width): opens and closes the main navigation.
document.addEventListener("click", (event) => {
  const toggle = event.target instanceof Element ? event.target.closest("[data-nav-toggle]") : null;
  if (!toggle) return;
  const nav = document.getElementById(toggle.getAttribute("aria-controls"));
  if (!nav) return;
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  nav.classList.toggle("open", open);
});

// Long text (class "foldable") shows a few lines and a "Show more" button that unfolds it;
// run on load and after every htmx swap, once per element.
const foldLongText = (root) => {
  for (const box of root.querySelectorAll(".foldable:not([data-fold-ready])")) {
    box.dataset.foldReady = "";
    if (box.scrollHeight <= box.clientHeight + 4) continue;
    box.classList.add("folded");
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "button small quiet fold-toggle";
    toggle.textContent = "Show more";
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", () => {
      const open = box.classList.toggle("unfolded");
      box.classList.toggle("folded", !open);
      toggle.textContent = open ? "Show less" : "Show more";
      toggle.setAttribute("aria-expanded", String(open));
    });
    box.after(toggle);
  }
};
document.addEventListener("DOMContentLoaded", () => foldLongText(document));
document.addEventListener("htmx:afterSettle", () => foldLongText(document));
