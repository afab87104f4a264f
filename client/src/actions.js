// Declarative actions: data-action on a button or link (click), on a form
// (submit, with its fields) and on an input (change, with its value).
import { raw } from "./socket.js";

var doc = document;

// send sends an action with extra fields.
export function send(action, fields) {
  raw(Object.assign({}, fields, { action: action }));
}

function fields(el) {
  var d = Object.assign({}, el.dataset);
  delete d.action;
  return d;
}

function isInput(el) {
  return /^(INPUT|SELECT|TEXTAREA)$/.test(el.nodeName);
}

export function listen() {
  doc.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-action]");
    if (!t || t.nodeName === "FORM" || isInput(t)) return;
    e.preventDefault();
    send(t.dataset.action, fields(t));
  });
  doc.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.dataset.action) return;
    e.preventDefault();
    var d = fields(f);
    new FormData(f).forEach(function (v, k) {
      d[k] = v;
    });
    send(f.dataset.action, d);
    f.reset();
  });
  doc.addEventListener("change", function (e) {
    var t = e.target;
    if (!isInput(t) || !t.dataset.action) return;
    var d = fields(t);
    d.value = t.type === "checkbox" ? t.checked : t.value;
    send(t.dataset.action, d);
  });
}
