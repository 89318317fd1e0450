// The campaign builder's page behaviour, without libraries:
// - the tag picker inserts a personalisation tag at the cursor of the subject or message last
//   focused (the first message when none was);
// - "Preview" copies a message's channel, variant, subject and body into the preview form and
//   submits it (htmx posts it and swaps in the rendered message); choosing another customer
//   previews the same message again;
// ("Add a variant" / "Add a rule": static/js/app.js.)
// Listeners sit on the document; the guard keeps a second load from adding them twice.
(() => {
  if (window.atriumCampaigns) return;
  window.atriumCampaigns = true;

  let lastField = null;
  let lastPreviewed = null;

  document.addEventListener("focusin", (event) => {
    if (event.target.matches("[data-tag-target]")) lastField = event.target;
  });

  const insertTag = (tag) => {
    const field =
      lastField && document.contains(lastField)
        ? lastField
        : document.querySelector("textarea[data-tag-target]");
    if (!field || field.disabled) return;
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? field.value.length;
    field.value = field.value.slice(0, start) + tag + field.value.slice(end);
    field.focus();
    field.setSelectionRange(start + tag.length, start + tag.length);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  };

  const preview = (block) => {
    const form = document.getElementById("preview-form");
    if (!form || !block) return;
    lastPreviewed = block;
    for (const name of ["channel", "variant", "subject", "body"]) {
      const source = block.querySelector(`[name$="-${name}"]`);
      form.elements[name].value = source ? source.value : "";
    }
    form.requestSubmit();
  };

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const tag = target.closest("[data-tag]");
    if (tag) {
      insertTag(tag.dataset.tag);
      return;
    }
    const button = target.closest("[data-preview]");
    if (button) {
      preview(button.closest("[data-content-form]"));
    }
  });

  // Choosing another customer previews the same message again.
  document.addEventListener("change", (event) => {
    if (!event.target.matches("#preview-form select")) return;
    const shown = lastPreviewed && document.contains(lastPreviewed) ? lastPreviewed : null;
    preview(shown || document.querySelector("[data-content-form]"));
  });
})();
