// Actions: what the page sends (data-action on clicks, forms and
// controls; script through statetemplate.send), their loading state, and
// what the server answers about each one (see live/doc.go: the reply).
import { raw, remember, L } from "./socket.js";
import { fire, events } from "./notices.js";
import { plus, withPlus } from "./plus.js";
import { doc } from "./morph.js";

const pending = {},
  LOADING = "data-st-loading",
  STEER = "action change debounce throttle reset confirm".split(" ");
let seq = 0;

// send sends an action with fields; el, when given, shows the loading
// state until the server answers. The promise settles with the reply.
export const send = (action, fields, el, pop) => {
  const n = ++seq,
    f = el && (el.form || el.closest("form"));
  raw({ ...fields, action, _seq: n });
  busy(el, f, 1);
  return new Promise((ok, no) => (pending[n] = { el, f, ok, no, pop }));
};

const busy = (el, f, on) => {
  f?.toggleAttribute(LOADING, on);
  if (el) el.toggleAttribute(LOADING, on), fire("loading", { el, loading: !!on });
};

// settle fails every action in flight: after a reconnect none of them
// will be answered.
export const settle = () => {
  for (const ack in pending) answer({ ack, error: "disconnected" });
};

// answer handles a reply from the server.
export const answer = (m) => {
  const p = pending[m.ack],
    f = p?.f;
  delete pending[m.ack];
  if (p) busy(p.el, f, 0);
  if (m.error) {
    console.warn(m);
    fire("error", m);
    if (m.fields) withPlus(() => plus.errors(f || doc, m.fields));
    p?.no(m);
  } else if (p) {
    if (f) {
      plus.errors?.(f, {});
      if (f.hasAttribute("data-reset")) f.reset();
    }
    p.ok(m);
  }
  if (m.flash) withPlus(() => m.flash.forEach(plus.flash));
  m.events?.forEach(events);
  if (m.nav) {
    if (!p?.pop) history.pushState(0, "", m.nav), scrollTo(0, 0);
    remember();
    withPlus(() => plus.go); // the back button needs the extension's popstate
  }
  if (m.redirect) L.assign(m.redirect);
};

// fields is an element's data-* attributes, minus the ones that steer the
// client.
export const fields = (el) => {
  const d = { ...el.dataset };
  STEER.forEach((k) => delete d[k]);
  return d;
};

// formFields adds a form's values to d: a name that several checkboxes or
// a multiple select share is a list, even empty.
export const formFields = (f, d) => {
  const multi = {};
  for (const c of f.elements) {
    const g = c.name && f.elements[c.name];
    if (c.multiple || (c.type == "checkbox" && g.length > 1)) multi[c.name] = d[c.name] = [];
  }
  new FormData(f).forEach((v, k) => {
    if (typeof v == "string") multi[k] ? d[k].push(v) : (d[k] = v); // files go through uploads
  });
  return d;
};

// value is a control's value: a boolean for a checkbox, a list for a
// multiple select.
export const value = (c) =>
  c.type == "checkbox" ? c.checked : c.multiple ? Array.from(c.selectedOptions, (o) => o.value) : c.value;

export const isInput = (el) => /^(INPUT|SELECT|TEXTAREA)$/.test(el.nodeName);

// ready asks data-confirm's question, if any; a form in flight is not
// submitted twice (a button's clicks all count: "+1" twice is 2).
const ready = (el) => !el.matches("form[" + LOADING + "]") && (!el.dataset.confirm || confirm(el.dataset.confirm));

const listen = (type, fn) => doc.addEventListener(type, fn),
  // act sends the action of el with the fields d.
  act = (el, d) => send(el.dataset.action, d, el);

export const listenActions = () => {
  listen("click", (e) => {
    const t = e.target.closest?.("[data-action]");
    if (!t || t.nodeName == "FORM" || isInput(t)) return;
    e.preventDefault();
    if (ready(t)) act(t, fields(t));
  });
  listen("submit", (e) => {
    const f = e.target,
      b = e.submitter,
      d = f.dataset.action && formFields(f, fields(f));
    if (!d) return;
    e.preventDefault();
    if (!ready(f)) return;
    if (b?.name) d[b.name] = b.value;
    busy(f, null, 1);
    // Files go first, through the extension's upload.
    ([...f.querySelectorAll("input[type=file]")].some((c) => c.files.length)
      ? withPlus(() => plus.upload(f, d))
      : Promise.resolve(d)
    ).then(
      (d) => act(f, d),
      () => busy(f, null, 0)
    );
  });
  listen("change", (e) => {
    const c = e.target;
    if (isInput(c) && c.dataset.action) act(c, { ...fields(c), value: value(c) });
  });
};
