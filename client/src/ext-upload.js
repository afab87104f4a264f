// The upload extension, loaded by the client only when a form with files
// is submitted: the files go to the server over HTTP first (streamed to
// disk there, with progress here), then the action carries references to
// them (see live.Message.Files).
//
// statetemplate.upload(f, d, url) posts the files of form f to url and
// resolves with d plus, per file field, the list of files the server took.
const fire = (name, detail) =>
  document.dispatchEvent(new CustomEvent("statetemplate:" + name, { detail }));

window.statetemplate.upload = (f, d, url) =>
  new Promise((ok, no) => {
    const x = new XMLHttpRequest(),
      body = new FormData();
    f.querySelectorAll("input[type=file]").forEach((c) => {
      for (const file of c.files) if (c.name) body.append(c.name, file, file.name);
    });
    x.open("POST", url);
    x.upload.onprogress = (e) => {
      const p = e.lengthComputable ? e.loaded / e.total : 0;
      f.setAttribute("data-st-progress", Math.round(p * 100));
      f.style.setProperty("--st-progress", p);
      fire("progress", { form: f, loaded: e.loaded, total: e.total });
    };
    x.onloadend = () => {
      f.removeAttribute("data-st-progress");
      if (x.status == 200) return ok({ ...d, ...JSON.parse(x.responseText) });
      const m = { error: "upload_failed", message: x.responseText || "the upload failed" };
      fire("error", m);
      no(m);
    };
    x.send(body);
  });
