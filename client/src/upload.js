// Uploads (plus): a form's files go to the server over HTTP first
// (streamed to disk there, with progress here), then the action carries
// references to them (see live.Message.Files).
import { core } from "./core.js";

// upload posts the files of form f and resolves with d plus, per file
// field, the list of files the server took.
export const upload = (f, d) =>
  new Promise((ok, no) => {
    const x = new XMLHttpRequest(),
      body = new FormData();
    f.querySelectorAll("input[type=file]").forEach((c) => {
      for (const file of c.files) if (c.name) body.append(c.name, file, file.name);
    });
    x.open("POST", core.up());
    x.upload.onprogress = (e) => {
      const p = e.lengthComputable ? e.loaded / e.total : 0;
      f.setAttribute("data-st-progress", Math.round(p * 100));
      f.style.setProperty("--st-progress", p);
      core.fire("progress", { form: f, loaded: e.loaded, total: e.total });
    };
    x.onloadend = () => {
      f.removeAttribute("data-st-progress");
      if (x.status == 200) return ok({ ...d, ...JSON.parse(x.responseText) });
      const m = { error: "upload_failed", message: x.responseText || "the upload failed" };
      core.fire("error", m);
      no(m);
    };
    x.send(body);
  });
