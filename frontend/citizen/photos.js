// Pictures for a draft before it is sent: at most 5, JPEG/PNG/HEIC up to 10 MB. Each goes straight to storage with
// the server's presigned form, then the server decodes, re-encodes and strips it ("complete"); only then is it shown
// (the server's thumbnail is the preview) and it can be removed again before sending.
// sendCasePhoto does the same for a case that is already sent (staff asked for a photo in the chat).

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

/** A problem with a picture that our own dictionary words: {key, vars}. */
export class PhotoProblem extends Error {
  constructor(key, vars = {}) {
    super(key);
    this.name = "PhotoProblem";
    this.key = key;
    this.vars = vars;
  }
}

/** What is wrong with a file before any upload (a PhotoProblem), or null. */
export function photoProblem(file, inUse = 0) {
  if (!contentType(file)) return new PhotoProblem("photos.badType", { name: file.name });
  if (file.size > MAX_BYTES) return new PhotoProblem("photos.tooBig", { name: file.name });
  if (inUse >= MAX_PHOTOS) return new PhotoProblem("photos.tooMany");
  return null;
}

/** Upload one checked file through `base` (…/photos): the server's form, the upload, then "complete". Rejects with
 * an ApiError, or with a PhotoProblem when the upload itself failed. */
async function uploadPhoto(ctx, base, file) {
  const started = await ctx.api.post(base, { content_type: contentType(file), size: file.size });
  const form = new FormData();
  for (const [name, value] of Object.entries(started.upload.fields || {})) form.append(name, value);
  form.append("file", file);
  const stored = await fetch(started.upload.url, { method: "POST", body: form }).catch(() => null);
  if (!stored?.ok) throw new PhotoProblem("photos.uploadFailed");
  return ctx.api.post(`${base}/${encodeURIComponent(started.photo_id)}/complete`, {});
}

/** A photo for an open case, from the chat: checked like the triage's, then the server posts it in the chat.
 * Resolves to the photo; rejects with a PhotoProblem or an ApiError (the server counts the case's five). */
export function sendCasePhoto(ctx, caseId, file) {
  const problem = photoProblem(file);
  if (problem) return Promise.reject(problem);
  return uploadPhoto(ctx, `/citizen/cases/${encodeURIComponent(caseId)}/photos`, file);
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
    const found = photoProblem(file, photos.length + uploading);
    if (found) return problem(found.key, found.vars);
    uploading += 1;
    status.replaceChildren(h("span", { t: "photos.uploading", vars: { name: file.name } }));
    try {
      const photo = await uploadPhoto(ctx, base, file);
      photos.push(photo);
      status.replaceChildren(h("span", { t: "photos.added", vars: { name: file.name } }));
      return photo;
    } catch (error) {
      if (error instanceof PhotoProblem) {
        problem(error.key, error.vars);
        clear(status);
        return null;
      }
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
