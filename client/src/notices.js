// Events: the client's own on document, and those the server pushes for
// page script.
import { doc } from "./morph.js";

const handlers = {};

// fire dispatches the CustomEvent "statetemplate:"+name on document and
// reports whether no listener cancelled it.
export const fire = (name, detail, p = "statetemplate:") =>
  doc.dispatchEvent(new CustomEvent(p + name, { detail, cancelable: true }));

// events delivers an event the server pushed: "st:"+name on document and
// the handlers given to statetemplate.on.
export const events = (e) => {
  fire(e.name, e.detail, "st:");
  (handlers[e.name] || []).forEach((fn) => fn(e.detail));
};

// on calls fn with the detail of every event name the server pushes.
export const on = (name, fn) => (handlers[name] = handlers[name] || []).push(fn);
