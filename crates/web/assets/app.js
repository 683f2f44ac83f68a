// Suveren web UI: progressive enhancement only. Every flow works without
// this file; it adds conveniences and never carries a rule.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to an error or status message so screen readers announce it
  // and keyboard users start there.
  const msg = document.querySelector("main [role=alert], main [role=status]");
  if (msg) {
    msg.setAttribute("tabindex", "-1");
    msg.focus();
  }
});

// ---- drive: upload by drag and drop or the file button, with one
// progress bar per file (PUT to the REST API with the session cookie);
// without this the form posts multipart and the server streams it.
document.addEventListener("DOMContentLoaded", () => {
  const zone = document.querySelector("[data-upload-api]");
  if (!zone || !window.XMLHttpRequest || !window.FormData) return;
  const form = zone.querySelector("form.upload");
  const input = form && form.querySelector("input[type=file]");
  const list = zone.querySelector(".uploads");
  if (!form || !input || !list) return;
  const api = zone.dataset.uploadApi;
  const folder = zone.dataset.folder || "/";
  const msg = (key, name) => (zone.dataset[key] || "").replace("%s", name);
  const target = (name) => (folder === "/" ? "/" : folder + "/") + name;

  function one(file) {
    return new Promise((resolve) => {
      const li = document.createElement("li");
      const label = document.createElement("span");
      label.textContent = msg("msgUploading", file.name);
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", msg("msgUploading", file.name));
      li.append(label, document.createElement("br"), bar);
      list.append(li);
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", api + "?path=" + encodeURIComponent(target(file.name)));
      xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.value = 100;
          label.textContent = msg("msgDone", file.name);
          resolve(true);
        } else {
          let why = "";
          try { why = JSON.parse(xhr.responseText).detail || ""; } catch (_) { why = xhr.statusText; }
          label.textContent = msg("msgFailed", file.name) + " " + why;
          li.className = "failed";
          li.setAttribute("role", "alert");
          resolve(false);
        }
      });
      xhr.addEventListener("error", () => {
        label.textContent = msg("msgFailed", file.name);
        li.className = "failed";
        li.setAttribute("role", "alert");
        resolve(false);
      });
      xhr.send(file);
    });
  }

  async function send(files) {
    if (!files || !files.length) return;
    list.textContent = "";
    let ok = true;
    for (const f of Array.from(files)) ok = (await one(f)) && ok;
    if (ok) {
      const li = document.createElement("li");
      li.textContent = zone.dataset.msgAll || "";
      list.append(li);
      window.location.reload();
    }
  }

  form.addEventListener("submit", (e) => {
    if (!input.files.length) return;
    e.preventDefault();
    send(input.files);
  });
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dragging");
    send(e.dataTransfer && e.dataTransfer.files);
  });
});

// --- Settings: a "copy" button next to a secret shown once ---------------
// The secret is selectable text without this; the button only saves typing.
document.addEventListener("DOMContentLoaded", () => {
  const secret = document.getElementById("new-app-password");
  if (!secret || !navigator.clipboard) return;
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "copy-btn";
  btn.textContent = secret.dataset.copy || "Copy";
  const said = document.createElement("span");
  said.setAttribute("aria-live", "polite");
  btn.addEventListener("click", () => {
    navigator.clipboard.writeText(secret.textContent.trim()).then(() => {
      said.textContent = " " + (secret.dataset.copied || "Copied");
    });
  });
  secret.after(btn, said);
});

// ---- drive: live suggestions in the share dialog's people picker, from
// the directory search (which only returns people the caller may
// discover); without this the Find button asks the server.
document.addEventListener("DOMContentLoaded", () => {
  const q = document.querySelector("input[data-suggest]");
  const list = document.getElementById("people-list");
  const live = document.getElementById("people-live");
  if (!q || !list || !live || !window.fetch) return;
  const me = q.dataset.self;
  let timer = null;
  let seq = 0;
  async function run() {
    const text = q.value.trim();
    const n = ++seq;
    if (!text) return;
    let data;
    try {
      const r = await fetch(q.dataset.suggest + "?limit=10&q=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!r.ok) return;
      data = await r.json();
    } catch (_) {
      return;
    }
    if (n !== seq) return;
    const people = (data.results || []).filter((p) => p.login !== me);
    list.textContent = "";
    people.forEach((p, i) => {
      const div = document.createElement("div");
      div.className = "choice";
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "principal";
      input.id = "p" + (i + 1);
      input.value = p.login;
      input.checked = i === 0;
      const label = document.createElement("label");
      label.htmlFor = input.id;
      label.textContent = p.name + " (" + p.login + ")" + (p.org_unit ? ", " + p.org_unit : "");
      div.append(input, " ", label);
      list.append(div);
    });
    if (!people.length) {
      const p = document.createElement("p");
      p.textContent = list.dataset.msgNobody || "";
      list.append(p);
    }
    live.textContent = (list.dataset.msgCount || "").replace("%s", String(people.length));
    const hidden = list.closest("form").querySelector("input[name=q]");
    if (hidden) hidden.value = text;
  }
  q.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
});
