// Flash notices (plus): live.Flash shown in the page's [data-st-flash]
// element for a few seconds (data-st-flash="ms" sets how long), unless a
// listener of statetemplate:flash cancels it.
import { core } from "./core.js";

export const flash = (n) => {
  const box = document.querySelector("[data-st-flash]"),
    el = document.createElement("div");
  if (!core.fire("flash", n) || !box) return;
  el.dataset.kind = n.kind;
  el.role = "status";
  el.textContent = n.text;
  box.append(el);
  setTimeout(() => el.remove(), +box.dataset.stFlash || 5000);
};
