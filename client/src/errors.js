// Field errors (plus): the messages of live.FieldErrors, shown in the
// page's [data-error-for] elements.

// errors shows each field's message in its [data-error-for] element under
// scope and marks the field aria-invalid; fields missing from errs are
// cleared — only the field named only, when given.
export const errors = (scope, errs, only) => {
  scope.querySelectorAll("[data-error-for]").forEach((e) => {
    const k = e.getAttribute("data-error-for");
    if (!only || k == only) (e.textContent = errs[k] || ""), e.toggleAttribute("data-st-error", !!errs[k]);
  });
  scope.querySelectorAll("[name]").forEach((c) => {
    if (!only || c.name == only) errs[c.name] ? c.setAttribute("aria-invalid", "true") : c.removeAttribute("aria-invalid");
  });
};
