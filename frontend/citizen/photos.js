// Pictures for a draft before it is sent: at most 5, JPEG/PNG/HEIC up to 10 MB. Each goes straight to storage with
// the server's presigned form, then the server decodes, re-encodes and strips it ("complete"); only then is it shown
// (the server's thumbnail is the preview) and it can be removed again before sending.

import { clear, errorTexts, h, uniqueId } from "/shared/dom.js";

const MAX_PHOTOS = 5;
const MAX_BYTES = 10 * 1024 * 1024;
const TYPES = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", heic: "image/heic", heif: "image/heif" };
const ALLOWED = new Set(Object.values(TYPES));

function contentType(file) {
  if (ALLOWED.has(file.type)) return file.type;
  const extension = file.name.split(".").pop().toLowerCase();
  return file.type ? null : TYPES[extension] || null; // phones often give HEIC pictures no type
}

/** {el, busy(), destroy()} */
export function mountPhotos(ctx, draft) {
  const base = `/citizen/triage/${encodeURIComponent(draft.draft_id)}/photos`;
  const photos = [...(draft.photos || [])];
  let uploading = 0;
  const inputId = uniqueId("photos");
  const hintId = `${inputId}-hint`;
  const input = h("input", { type: "file", id: inputId, multiple: true, "aria-describedby": hintId,
    accept: "image/jpeg,image/png,image/heic,image/heif,.jpg,.jpeg,.png,.heic,.heif" });
  const status = h("p", { class: "hint", role: "status" });
  const errors = h("ul", { class: "photo-errors" });
  const count = h("p", { class: "hint" });
  const list = h("ul", { class: "photo-list" });
  const headingId = uniqueId("photos-title");
  const el = h("section", { class: "card photos", "aria-labelledby": headingId },
    h("h2", { id: headingId, t: "photos.title" }),
    h("div", { class: "field" },
      h("label", { for: inputId, t: "photos.label" }),
      h("p", { id: hintId, class: "hint", t: "photos.hint" }),
      input),
    status, h("div", { role: "alert" }, errors), count, list);

  const problem = (key, vars) => errors.append(h("li", { class: "error", t: key, vars }));

  function draw() {
    clear(list, photos.map((photo, i) => h("li", { class: "photo" },
      h("img", { src: photo.thumbnail_url, attrs: { alt: ["photos.alt", { n: i + 1 }] }, width: "120",
        height: String(Math.round(120 * ((photo.height || 1) / (photo.width || 1)))) }),
      h("button", { type: "button", class: "button-secondary", t: "photos.remove", vars: { n: i + 1 },
        on: { click: () => remove(photo) } }))));
    count.replaceChildren(h("span", { t: "photos.count", vars: { n: photos.length } }));
    input.disabled = photos.length + uploading >= MAX_PHOTOS;
  }

  async function upload(file) {
    const type = contentType(file);
    if (!type) return problem("photos.badType", { name: file.name });
    if (file.size > MAX_BYTES) return problem("photos.tooBig", { name: file.name });
    if (photos.length + uploading >= MAX_PHOTOS) return problem("photos.tooMany");
    uploading += 1;
    status.replaceChildren(h("span", { t: "photos.uploading", vars: { name: file.name } }));
    try {
      const started = await ctx.api.post(base, { content_type: type, size: file.size });
      const form = new FormData();
      for (const [name, value] of Object.entries(started.upload.fields || {})) form.append(name, value);
      form.append("file", file);
      const stored = await fetch(started.upload.url, { method: "POST", body: form }).catch(() => null);
      if (!stored?.ok) {
        problem("photos.uploadFailed");
        return null;
      }
      const photo = await ctx.api.post(`${base}/${encodeURIComponent(started.photo_id)}/complete`, {});
      photos.push(photo);
      status.replaceChildren(h("span", { t: "photos.added", vars: { name: file.name } }));
      return photo;
    } catch (error) {
      const texts = errorTexts(error);
      errors.append(h("li", { class: "error" }, `${file.name}: `, h("span", { l: texts })));
      clear(status);
      return null;
    } finally {
      uploading -= 1;
      draw();
    }
  }

  async function remove(photo) {
    clear(errors);
    try {
      await ctx.api.delete(`${base}/${encodeURIComponent(photo.photo_id)}`);
    } catch (error) {
      if (error.status !== 404) {
        errors.append(h("li", { class: "error", l: errorTexts(error) }));
        return;
      }
    }
    photos.splice(photos.indexOf(photo), 1);
    draw();
    status.replaceChildren(h("span", { t: "photos.removed" }));
    input.focus(); // the removed button is gone; the next natural place is adding a picture
  }

  if (!draft.photos) {
    // after a reload: the pictures already added to this draft
    ctx.api.get(base).then((body) => {
      for (const photo of body.photos || []) if (!photos.some((p) => p.photo_id === photo.photo_id)) photos.push(photo);
      draw();
    }, () => {});
  }

  input.addEventListener("change", async () => {
    const files = [...input.files];
    input.value = "";
    clear(errors);
    for (const file of files) await upload(file); // one at a time keeps the count of five honest
  });
  draw();
  return { el, busy: () => uploading > 0, destroy() {} };
}
