// Live inputs (plus): data-change on a form or a control sends on input,
// debounced (data-debounce, 150 ms for text by default; "blur" waits for
// the change event) or throttled (data-throttle); and editing a field
// clears its error.
import { core } from "./core.js";
import { errors } from "./errors.js";

const timers = new WeakMap();

// later runs fn after the control's (or its form's) debounce, or at most
// once per its throttle.
const later = (c, e, fn) => {
  const d = c.closest("[data-debounce],[data-throttle]")?.dataset,
    t = timers.get(c);
  if (d?.throttle) {
    if (!t) fn(), timers.set(c, setTimeout(() => timers.delete(c), +d.throttle));
    return;
  }
  const ms = d ? d.debounce : /^(text|search|email|url|tel|password|number|textarea)$/.test(c.type) ? 150 : 0;
  if ((ms == "blur") != (e.type == "change")) return; // input events do the rest
  clearTimeout(t);
  timers.set(c, setTimeout(fn, +ms || 0));
};

export const listenChanges = () => {
  const changed = (e) => {
    const c = e.target,
      f = c.form,
      own = core.input(c) && c.dataset.change,
      act = own || f?.dataset.change;
    if (c.getAttribute?.("aria-invalid")) errors(f || document, {}, c.name);
    if (act)
      later(c, e, () =>
        core.send(act, own ? { ...core.fields(c), value: core.value(c) } : core.form(f, core.fields(f)))
      );
  };
  addEventListener("input", changed);
  addEventListener("change", changed);
};
