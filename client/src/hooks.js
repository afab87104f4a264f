// Hooks (plus): page script attached to elements by data-hook="Name", told
// when the element enters the page (mounted), when an update touched it
// (updated) and when it leaves (removed), as Phoenix LiveView's phx-hook.
const hooks = window.statetemplateHooks || {},
  live = new Map(),
  call = (el, name, fn) => {
    try {
      hooks[name]?.[fn]?.(el);
    } catch (x) {
      console.error(x);
    }
  };

// hook registers obj under name and mounts the elements that use it.
export const hook = (name, obj) => {
  hooks[name] = obj;
  scan([]);
};

// scan runs the hooks after a batch that touched the elements touched.
export const scan = (touched) => {
  live.forEach((name, el) => {
    if (!el.isConnected || el.dataset.hook !== name) live.delete(el), call(el, name, "removed");
  });
  document.querySelectorAll("[data-hook]").forEach((el) => {
    const name = el.dataset.hook;
    if (!hooks[name]) return;
    if (!live.has(el)) live.set(el, name), call(el, name, "mounted");
    else if (touched.some((t) => t.contains(el))) call(el, name, "updated");
  });
};
