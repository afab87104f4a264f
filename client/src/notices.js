// What the server sends besides the page: flash notices and events for
// page script.
const doc = document,
  handlers = {};

// fire dispatches the CustomEvent "statetemplate:"+name on document and
// reports whether no listener cancelled it.
export const fire = (name, detail) =>
  doc.dispatchEvent(new CustomEvent("statetemplate:" + name, { detail, cancelable: true }));

// flash shows a notice in the page's [data-st-flash] element for a few
// seconds (data-st-flash="ms" sets how long), unless a listener of
// statetemplate:flash cancels it.
export const flash = (n) => {
  const box = doc.querySelector("[data-st-flash]"),
    el = doc.createElement("div");
  if (!fire("flash", n) || !box) return;
  el.dataset.kind = n.kind;
  el.role = "status";
  el.textContent = n.text;
  box.append(el);
  setTimeout(() => el.remove(), +box.dataset.stFlash || 5000);
};

// events delivers an event the server pushed: "st:"+name on document and
// the handlers given to statetemplate.on.
export const events = (e) => {
  doc.dispatchEvent(new CustomEvent("st:" + e.name, { detail: e.detail }));
  (handlers[e.name] || []).forEach((fn) => fn(e.detail));
};

// on calls fn with the detail of every event name the server pushes.
export const on = (name, fn) => (handlers[name] = handlers[name] || []).push(fn);
