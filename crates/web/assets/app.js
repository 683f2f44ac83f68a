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

  const resumableFrom = Number(zone.dataset.resumableFrom || 0);
  const CHUNK = 4 << 20;

  // One request; resolves with the finished XHR (any status), rejects when
  // the network fails, so callers can tell a refusal from a break.
  function request(method, url, headers, body, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(method, url);
      for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
      if (onProgress) {
        xhr.upload.addEventListener("progress", (e) => {
          if (e.lengthComputable) onProgress(e.loaded);
        });
      }
      xhr.addEventListener("load", () => resolve(xhr));
      xhr.addEventListener("error", () => reject(new Error("network")));
      xhr.addEventListener("abort", () => reject(new Error("abort")));
      xhr.send(body === undefined ? null : body);
    });
  }
  const detail = (xhr) => {
    try { return JSON.parse(xhr.responseText).detail || xhr.statusText; } catch (_) { return xhr.statusText; }
  };
  const b64 = (text) => {
    let bin = "";
    for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
    return btoa(bin);
  };
  const store = {
    get: (k) => { try { return localStorage.getItem(k); } catch (_) { return null; } },
    set: (k, v) => { try { localStorage.setItem(k, v); } catch (_) { /* private mode */ } },
    del: (k) => { try { localStorage.removeItem(k); } catch (_) { /* private mode */ } },
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // Large files: tus 1.0 in pieces of CHUNK bytes. After a network break
  // it asks the server how far it got (HEAD) and goes on from there; the
  // upload's address is remembered, so reloading the page and choosing the
  // same file again also resumes. A refusal (quota, level, rights) stops.
  async function resumable(file, ui) {
    const tus = { "Tus-Resumable": "1.0.0" };
    const key = "suveren-upload " + zone.dataset.drive + " " + target(file.name) + " " + file.size + " " + file.lastModified;
    let url = store.get(key);
    let offset = 0;
    if (url) {
      try {
        const h = await request("HEAD", url, tus);
        if (h.status === 200) {
          offset = Number(h.getResponseHeader("Upload-Offset") || 0);
          ui.resuming();
        } else {
          url = null;
        }
      } catch (_) {
        url = null;
      }
    }
    if (!url) {
      const meta = "drive " + b64(zone.dataset.drive || "") + ",path " + b64(target(file.name)) +
        ",filetype " + b64(file.type || "application/octet-stream");
      const c = await request("POST", zone.dataset.tus, Object.assign({
        "Upload-Length": String(file.size),
        "Upload-Metadata": meta,
      }, tus));
      if (c.status !== 201) return ui.failed(detail(c));
      url = c.getResponseHeader("Location");
      store.set(key, url);
    }
    let breaks = 0;
    while (offset < file.size) {
      const end = Math.min(offset + CHUNK, file.size);
      const from = offset;
      let answer = null;
      try {
        answer = await request("PATCH", url, Object.assign({
          "Upload-Offset": String(from),
          "Content-Type": "application/offset+octet-stream",
        }, tus), file.slice(from, end), (loaded) => ui.progress(from + loaded, file.size));
      } catch (_) {
        answer = null;
      }
      if (answer && answer.status === 204) {
        offset = Number(answer.getResponseHeader("Upload-Offset") || from);
        ui.progress(offset, file.size);
        breaks = 0;
        continue;
      }
      // 507 is a full drive or organisation: a refusal, not a break.
      if (answer && ((answer.status !== 409 && answer.status < 500) || answer.status === 507)) {
        store.del(key);
        return ui.failed(detail(answer));
      }
      // A break (or the server lost our place): wait, ask, go on.
      breaks += 1;
      if (breaks > 6) return ui.failed("");
      ui.resuming();
      await sleep(Math.min(500 * 2 ** breaks, 15000));
      try {
        const h = await request("HEAD", url, tus);
        if (h.status !== 200) {
          store.del(key);
          return ui.failed(detail(h));
        }
        offset = Number(h.getResponseHeader("Upload-Offset") || 0);
      } catch (_) {
        /* still offline: the next round tries again */
      }
    }
    store.del(key);
    return ui.done();
  }

  function one(file) {
    const li = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = msg("msgUploading", file.name);
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", msg("msgUploading", file.name));
    li.append(label, document.createElement("br"), bar);
    list.append(li);
    const ui = {
      progress(done, total) {
        bar.value = Math.round((done / Math.max(total, 1)) * 100);
      },
      resuming() {
        label.textContent = msg("msgResuming", file.name);
      },
      done() {
        bar.value = 100;
        label.textContent = msg("msgDone", file.name);
        return true;
      },
      failed(why) {
        label.textContent = msg("msgFailed", file.name) + (why ? " " + why : "");
        li.className = "failed";
        li.setAttribute("role", "alert");
        return false;
      },
    };
    if (resumableFrom > 0 && file.size >= resumableFrom && zone.dataset.tus) {
      return resumable(file, ui).catch(() => ui.failed(""));
    }
    return request(
      "PUT",
      api + "?path=" + encodeURIComponent(target(file.name)),
      { "Content-Type": file.type || "application/octet-stream" },
      file,
      (loaded) => ui.progress(loaded, file.size),
    ).then(
      (xhr) => (xhr.status >= 200 && xhr.status < 300 ? ui.done() : ui.failed(detail(xhr))),
      () => ui.failed(""),
    );
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
