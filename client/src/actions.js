// Actions: what the page sends (data-action, data-change, forms, script
// through statetemplate.send), their loading state, and what the server
// answers about each one (see live/doc.go: the reply).
import { raw, remember, uploadURL } from "./socket.js";
import { flash, fire, events } from "./notices.js";

const doc = document,
  pending = {},
  timers = new WeakMap(),
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
  f?.toggleAttribute(LOADING, !!on);
  if (el) el.toggleAttribute(LOADING, !!on), fire("loading", { el, loading: !!on });
};

// settle fails every action in flight: after a reconnect none of them
// will be answered.
export const settle = () => Object.keys(pending).forEach((ack) => answer({ ack, error: "disconnected" }));

// answer handles a reply from the server.
export const answer = (m) => {
  const p = pending[m.ack],
    f = p?.f;
  delete pending[m.ack];
  if (p) busy(p.el, f, 0);
  if (m.error) {
    console.warn(m.error, m.message);
    fire("error", m);
    if (m.fields) errors(f || doc, m.fields);
    p?.no(m);
  } else if (p) {
    if (f) {
      errors(f, {});
      if (f.hasAttribute("data-reset")) f.reset();
    }
    p.ok(m);
  }
  m.flash?.forEach(flash);
  m.events?.forEach(events);
  if (m.nav) {
    if (!p?.pop) history.pushState(null, "", m.nav), scrollTo(0, 0);
    remember();
  }
  if (m.redirect) location.assign(m.redirect);
};

// errors shows each field's message in its [data-error-for] element under
// scope and marks the field aria-invalid; fields missing from errs are
// cleared — only the field named only, when given.
const errors = (scope, errs, only) => {
  scope.querySelectorAll("[data-error-for]").forEach((e) => {
    const k = e.getAttribute("data-error-for");
    if (!only || k == only) (e.textContent = errs[k] || ""), e.toggleAttribute("data-st-error", !!errs[k]);
  });
  scope.querySelectorAll("[name]").forEach((c) => {
    if (!only || c.name == only) errs[c.name] ? c.setAttribute("aria-invalid", "true") : c.removeAttribute("aria-invalid");
  });
};

// fields is an element's data-* attributes, minus the ones that steer the
// client.
const fields = (el) => {
  const d = { ...el.dataset };
  STEER.forEach((k) => delete d[k]);
  return d;
};

// formFields adds a form's values to d: a name that several checkboxes or
// a multiple select share is a list, even empty.
const formFields = (f, d) => {
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

const value = (c) =>
  c.type == "checkbox" ? c.checked : c.multiple ? Array.from(c.selectedOptions, (o) => o.value) : c.value;

const isInput = (el) => /^(INPUT|SELECT|TEXTAREA)$/.test(el.nodeName);

// ready asks data-confirm's question, if any; a form in flight is not
// submitted twice (a button's clicks all count: "+1" twice is 2).
const ready = (el) => !el.matches("form[" + LOADING + "]") && (!el.dataset.confirm || confirm(el.dataset.confirm));

// later runs fn after the control's (or its form's) data-debounce ms —
// 150 for text by default; "blur" waits for the change event — or at most
// once per data-throttle ms.
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

const listen = (type, fn) => doc.addEventListener(type, fn);

// extension loads the client's extension name (statetemplate-name.js, next
// to the client) once.
let src, loaded = {};
export const setSource = (s) => (src = s);
const extension = (name) =>
  (loaded[name] ||= new Promise((ok, no) => {
    const s = doc.createElement("script");
    s.src = src.replace(/\.js(\?.*)?$/, "-" + name + ".js");
    s.onload = ok;
    s.onerror = no;
    doc.head.append(s);
  }));

// upload sends a form's files first, through the upload extension.
const upload = (f, d) =>
  [...f.querySelectorAll("input[type=file]")].some((c) => c.files.length)
    ? extension("upload").then(() => window.statetemplate.upload(f, d, uploadURL()))
    : Promise.resolve(d);

export const listenActions = () => {
  listen("click", (e) => {
    const t = e.target.closest?.("[data-action]");
    if (!t || t.nodeName == "FORM" || isInput(t)) return;
    e.preventDefault();
    if (ready(t)) send(t.dataset.action, fields(t), t);
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
    upload(f, d).then(
      (d) => send(f.dataset.action, d, f),
      () => busy(f, null, 0)
    );
  });
  const changed = (e) => {
    const c = e.target,
      f = c.form,
      own = isInput(c) && c.dataset.change,
      act = own || f?.dataset.change,
      one = () => ({ ...fields(c), value: value(c) });
    if (c.getAttribute?.("aria-invalid")) errors(f || doc, {}, c.name);
    if (e.type == "change" && isInput(c) && c.dataset.action) send(c.dataset.action, one(), c);
    if (act) later(c, e, () => send(act, own ? one() : formFields(f, fields(f))));
  };
  listen("input", changed);
  listen("change", changed);
};
