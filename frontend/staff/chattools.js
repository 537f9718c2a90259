// What every staff chat gets besides the chat itself: the phrase-template picker (frasmallar, templates.js) with
// its variables filled from the case, the unit and the logged-in staff member; and "Erbjud tider", a dialog that
// lists the case's free times by day (the case's visit form first, or another one chosen), lets staff tick 1–10 of
// them and posts them in the chat as offered times (POST /staff/cases/{id}/offer); the citizen books one of them.

import { newId } from "/shared/api.js";
import { clear, errorMessage, h, uniqueId } from "/shared/dom.js";
import { addStrings, bind, parseTime, translations } from "/shared/i18n.js";

const MAX_OFFERED = 10; // as the server allows (chalicelib/services/booking.py MAX_OFFERED)
const FORMS = ["physical", "video", "phone"];

addStrings({
  sv: {
    "offer.open": "Erbjud tider",
    "offer.title": "Erbjud tider i chatten",
    "offer.lead": `Välj 1–${MAX_OFFERED} lediga tider. Patienten ser dem i chatten och bokar en av dem.`,
    "offer.form": "Besöksform",
    "offer.form.physical": "Besök på mottagningen",
    "offer.form.video": "Videomöte",
    "offer.form.phone": "Telefonsamtal",
    "offer.loading": "Hämtar lediga tider …",
    "offer.none": "Det finns inga lediga tider för den här besöksformen de närmaste veckorna.",
    "offer.count": (v) => `${v.n} av högst ${MAX_OFFERED} valda`,
    "offer.slot": (v, f) => `${f.time(v.start)}–${f.time(v.end)}, ${v.staff}`,
    "offer.day": (v) => new Intl.DateTimeFormat("sv-SE", { weekday: "long", day: "numeric", month: "long" })
      .format(parseTime(v.at)),
    "offer.send": "Skicka tiderna",
    "offer.cancel": "Avbryt",
    "offer.errNone": "Välj minst en tid.",
    "offer.errTooMany": `Välj högst ${MAX_OFFERED} tider.`,
    "offer.sent": "Tiderna är skickade i chatten.",
  },
  en: {
    "offer.open": "Offer times",
    "offer.title": "Offer times in the chat",
    "offer.lead": `Choose 1–${MAX_OFFERED} free times. The patient sees them in the chat and books one of them.`,
    "offer.form": "Visit form",
    "offer.form.physical": "Visit at the unit",
    "offer.form.video": "Video meeting",
    "offer.form.phone": "Phone call",
    "offer.loading": "Fetching free times …",
    "offer.none": "There are no free times for this visit form in the coming weeks.",
    "offer.count": (v) => `${v.n} of at most ${MAX_OFFERED} chosen`,
    "offer.slot": (v, f) => `${f.time(v.start)}–${f.time(v.end)}, ${v.staff}`,
    "offer.day": (v) => new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long" })
      .format(parseTime(v.at)),
    "offer.send": "Send the times",
    "offer.cancel": "Cancel",
    "offer.errNone": "Choose at least one time.",
    "offer.errTooMany": `Choose at most ${MAX_OFFERED} times.`,
    "offer.sent": "The times have been sent in the chat.",
  },
});


const stockholmDay = (at) => new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Stockholm" }).format(parseTime(at));

/** The first name of a case's patient: patient_first_name (queue entries) or the first word of patient_name. */
export function firstName(c) {
  return (c?.patient_first_name || String(c?.patient_name || "").trim().split(/\s+/)[0] || "").trim();
}

/** The values of the template variables for one case ({förnamn}, {enhet}, {telefon}, …) in a template's language;
 * unknown ones are left out, so the picker shows a placeholder instead of a wrong value. The profession is the one
 * the case is for, as a word in a sentence ("och är sjuksköterska på", "I am a nurse at"). */
export async function templateValues(ctx, c, language = "sv") {
  const [me, units] = await Promise.all([ctx.me().catch(() => null), ctx.units().catch(() => new Map())]);
  const unit = units.get(c.unit_id);
  const roles = (me?.roles || []).filter((r) => r.unit_id === c.unit_id).map((r) => r.role);
  const role = roles.includes(c.profession) ? c.profession : roles[0];
  const values = {
    förnamn: firstName(c),
    enhet: unit?.name || "",
    telefon: unit?.phone || "",
    telefontid: unit?.phone_hours?.sv || "",
    mitt_namn: ctx.session.name || "",
    yrkesroll: role ? String(translations(`profession.${role}`)[language] || "").toLowerCase() : "",
  };
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value));
}

/** Attaches the template picker and "Erbjud tider" to a chat's send box; returns their cleanup (a no-op when there is
 * no box). */
export async function attachPicker(ctx, c, textarea) {
  if (!textarea) return () => {};
  const offer = attachOfferTimes(ctx, c, textarea); // first: it does not wait for the templates module
  const { attachTemplatePicker } = await import("./templates.js");
  if (!textarea.isConnected) {
    offer.destroy();
    return () => {};
  }
  const values = (template) => templateValues(ctx, c, template?.language === "en" ? "en" : "sv");
  const picker = attachTemplatePicker({ ctx, textarea, unitId: c.unit_id, values });
  return () => {
    picker?.destroy?.();
    offer.destroy();
  };
}

/**
 * "Erbjud tider" beside the chat's send button: a modal dialog with the case's free times grouped by day as
 * checkboxes (the case's visit form first: video for a video case, else a visit; a chooser for the others). Sending
 * posts a booking_offer message with one client id per chosen set, so a retry never posts it twice; the message is
 * handed to the chat ("chat:posted") with its times, so the chat shows them in words at once. Errors are shown in
 * the dialog; a time someone took meanwhile reloads the list. Returns {button, dialog, destroy()}.
 */
export function attachOfferTimes(ctx, c, textarea) {
  const path = `/staff/cases/${encodeURIComponent(c.case_id)}`;
  const ids = { title: uniqueId("offer-title"), lead: uniqueId("offer-lead"), form: uniqueId("offer-form") };
  const button = h("button", { type: "button", class: "button-secondary offer-open", "aria-haspopup": "dialog",
    t: "offer.open" });
  const sent = h("p", { class: "hint offer-sent", role: "status" });
  const select = h("select", { id: ids.form, name: "form" },
    FORMS.map((form) => h("option", { value: form, t: `offer.form.${form}` })));
  select.value = c.disposition === "video" ? "video" : "physical"; // as the server's default for the case
  const status = h("p", { class: "hint", role: "status" });
  const days = h("div", { class: "offer-days" });
  const count = h("p", { class: "hint offer-count", "aria-live": "polite" });
  const errors = h("div", { class: "form-error" });
  const submit = h("button", { type: "submit", class: "button", t: "offer.send" });
  const cancel = h("button", { type: "button", class: "button-secondary", t: "offer.cancel" });
  const form = h("form", { class: "offer-form", novalidate: true },
    h("h2", { id: ids.title, t: "offer.title" }),
    h("p", { id: ids.lead, t: "offer.lead" }),
    h("div", { class: "field" }, h("label", { for: ids.form, t: "offer.form" }), select),
    status, days, count, errors,
    h("div", { class: "actions" }, submit, cancel));
  const dialog = h("dialog", { class: "offer-dialog", "aria-labelledby": ids.title, "aria-describedby": ids.lead },
    form);
  const where = textarea.form?.querySelector(".actions") || textarea.parentElement;
  where.append(button);
  where.after(sent);
  (textarea.form || textarea).after(dialog); // not inside the chat's form: a form in a form would send both

  let slots = [];
  let clientId = null; // kept while the same set of times is sent again
  let sentSet = null;
  let loadCount = 0;
  let destroyed = false;

  const chosen = () => [...days.querySelectorAll('input[type="checkbox"]:checked')].map((box) => box.value);

  function showCount() {
    const n = chosen().length;
    bind(count, "offer.count", { n });
    count.classList.toggle("error", n > MAX_OFFERED);
  }

  async function load({ keep = [] } = {}) {
    const mine = ++loadCount;
    bind(status, "offer.loading");
    clear(days);
    try {
      const body = await ctx.api.get(`${path}/slots`, { query: { form: select.value } });
      if (destroyed || mine !== loadCount) return;
      slots = body.slots;
    } catch (error) {
      if (destroyed || mine !== loadCount) return;
      status.textContent = "";
      clear(errors, errorMessage(error));
      return;
    }
    const byDay = new Map();
    for (const slot of slots) {
      const day = stockholmDay(slot.start);
      if (!byDay.has(day)) byDay.set(day, []);
      byDay.get(day).push(slot);
    }
    if (slots.length) status.textContent = "";
    else bind(status, "offer.none");
    clear(days, [...byDay.values()].map((list) => {
      const legendId = uniqueId("offer-day");
      return h("fieldset", { class: "offer-day", "aria-labelledby": legendId },
        h("legend", { id: legendId, t: "offer.day", vars: { at: list[0].start } }),
        h("ul", { class: "offer-slots" }, list.map((slot) => {
          const id = uniqueId("offer-slot");
          const box = h("input", { type: "checkbox", id, value: slot.slot_id, name: "slot_ids" });
          box.checked = keep.includes(slot.slot_id);
          return h("li", {}, box, h("label", { for: id, t: "offer.slot",
            vars: { start: slot.start, end: slot.end, staff: slot.staff_name } }));
        })));
    }));
    showCount();
  }

  button.addEventListener("click", () => {
    clear(errors);
    clear(sent);
    dialog.showModal();
    select.focus();
    load();
  });
  select.addEventListener("change", () => {
    clear(errors);
    load();
  });
  days.addEventListener("change", () => {
    clear(errors); // a choice made: the last complaint no longer applies
    showCount();
  });
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => button.focus());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(errors);
    const slotIds = chosen();
    const problem = !slotIds.length ? "offer.errNone" : slotIds.length > MAX_OFFERED ? "offer.errTooMany" : null;
    if (problem) {
      errors.append(h("p", { class: "error", role: "alert", t: problem }));
      (days.querySelector('input[type="checkbox"]') || select).focus();
      return;
    }
    const key = [...slotIds].sort().join(" ");
    if (key !== sentSet) clientId = newId(); // the same times again (a retry): the same client id
    sentSet = key;
    submit.disabled = true;
    try {
      const message = await ctx.api.post(`${path}/offer`, { slot_ids: slotIds, client_id: clientId },
        { idempotent: true });
      if (destroyed) return;
      const offered = slots.filter((slot) => slotIds.includes(slot.slot_id));
      textarea.dispatchEvent(new CustomEvent("chat:posted", { bubbles: true, detail: { message, slots: offered } }));
      clientId = null;
      sentSet = null;
      dialog.close();
      bind(sent, "offer.sent");
    } catch (error) {
      if (destroyed) return;
      clear(errors, errorMessage(error));
      if (error.status === 409) await load({ keep: slotIds }); // a time was taken meanwhile: the list as it is now
    } finally {
      submit.disabled = false;
    }
  });

  return {
    button,
    dialog,
    destroy() {
      destroyed = true;
      if (dialog.open) dialog.close();
      button.remove();
      sent.remove();
      dialog.remove();
    },
  };
}
