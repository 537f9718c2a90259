// Home (after login) and Ny kontakt: who it concerns, vårdcentral, sökorsak, own words, expectations and how to be
// notified. "Fortsätt" begins a triage draft on the server (it survives reload and closing the browser); unfinished
// drafts are listed as "Fortsätt där du slutade". "Ändra det du skrev" opens the same fields again for a draft.
//
// How the citizen came (docs/operations.md, "Entry points"): a unit's link or QR code (#/ny-kontakt?enhet=<unit>
// [&yrke=<profession>]) or a regional app's deep link (the same with &via=app) chooses that unit, and the draft is
// begun with via "unit_link" or "app" and the link's profession; a login link staff sent by SMS (?inbjudan=<token>)
// chooses the sender's unit; the region-wide entry (#/ny-kontakt, as from 1177.se) offers "Låt Nära välja" — the
// citizen's listed health centre (GET /citizen/listing) — first, and then the draft is begun without a unit (the
// routing picks it). A unit picked in the list is via "chosen".

import { clear, h, uniqueId } from "/shared/dom.js";
import { errorSummary, field, IntentKey } from "/shared/forms.js";
import { addStrings, bind } from "/shared/i18n.js";
import { intakeSaved, showError } from "./util.js";

addStrings({
  sv: {
    "invite.from": "Du fick länken från {unit}. Vi har valt den mottagningen åt dig.",
    "invite.gone": "Länken du fick har redan använts eller gäller inte längre. Välj vårdcentral själv nedan.",
    "entry.from": "Du kom via länken till {unit}. Vi har valt den mottagningen åt dig.",
    "entry.unknown": "Länken du använde gäller en mottagning som inte finns i Nära. "
      + "Välj vårdcentral själv nedan.",
    "entry.letNaraChoose": "Låt Nära välja — din listade vårdcentral: {name}",
  },
  en: {
    "invite.from": "You got the link from {unit}. We have chosen that unit for you.",
    "invite.gone": "The link you got has been used already or has expired. Choose a health centre yourself below.",
    "entry.from": "You came by the link to {unit}. We have chosen that unit for you.",
    "entry.unknown": "The link you used is for a unit that is not in Nära. Choose a health centre yourself below.",
    "entry.letNaraChoose": "Let Nära choose — your listed health centre: {name}",
  },
});

const LET_NARA_CHOOSE = "nara"; // the unit list's value for "Låt Nära välja": the draft is begun without a unit
const PROFESSION = /^[a-z_]{1,40}$/;

/** The query of the hash route (#/ny-kontakt?enhet=…&yrke=…&via=app, ?inbjudan=…). */
function hashQuery() {
  return new URLSearchParams(location.hash.split("?")[1] || "");
}

/**
 * A unit's link, QR code or a regional app's deep link (?enhet=<unit>[&yrke=<profession>][&via=app]): the unit to
 * choose, how the citizen came and the link's profession (only one the unit offers); a notice either way. None:
 * the page was not opened by such a link.
 */
function linkedUnit(units) {
  const query = hashQuery();
  const unitId = query.get("enhet");
  if (!unitId) return null;
  const unit = units.get(unitId);
  if (!unit) return { unit: null, note: h("p", { class: "notice", role: "status", t: "entry.unknown" }) };
  const asked = query.get("yrke") || "";
  const profession = PROFESSION.test(asked) && (unit.professions || []).includes(asked) ? asked : null;
  return {
    unit,
    via: query.get("via") === "app" ? "app" : "unit_link",
    profession,
    note: h("p", { class: "notice", role: "status", t: "entry.from", vars: { unit: unit.name } }),
  };
}

/** The patient's listed health centre ({unit_id, unit_name}, both null when not listed): the citizen's own, or a
 * child's they act for; not listed if unknown. */
async function listing(ctx, child = "") {
  try {
    return await ctx.api.get("/citizen/listing", { query: child ? { for_child: child } : {} });
  } catch {
    return { unit_id: null, unit_name: null }; // the citizen chooses, as without a listing
  }
}

/** "Från telefon till digitalt": a login link staff sent by SMS (#/ny-kontakt?inbjudan=<token>) names the unit. */
async function invitedUnit(ctx) {
  const token = hashQuery().get("inbjudan");
  if (!token) return { unit: null, note: null };
  try {
    const unit = await ctx.api.get(`/citizen/phone-invites/${encodeURIComponent(token)}`);
    return { unit, token,
      note: h("p", { class: "notice", role: "status", t: "invite.from", vars: { unit: unit.unit_name } }) };
  } catch {
    return { unit: null, note: h("p", { class: "notice", role: "status", t: "invite.gone" }) };
  }
}

const MOBILE = /^(?:\+46|0046|0)7\d{8}$/; // Swedish mobile numbers: 07x xxx xx xx, +46 7x …
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function homeView(ctx) {
  ctx.setTitle("nav.start");
  ctx.main.append(
    h("h1", { tabindex: "-1", t: "home.title", vars: { name: ctx.session.name } }),
    h("p", { class: "lead", t: "home.lead" }));
  const drafts = h("div");
  ctx.main.append(drafts,
    h("ul", { class: "choices" },
      h("li", {}, h("a", { class: "choice", href: "#/ny-kontakt" },
        h("span", { class: "choice-title", t: "nav.newCase" }), h("span", { t: "home.newCaseText" }))),
      h("li", {}, h("a", { class: "choice", href: "#/arenden" },
        h("span", { class: "choice-title", t: "nav.myCases" }), h("span", { t: "home.myCasesText" })))));
  await listDrafts(ctx, drafts);
}

/** "Fortsätt där du slutade": the citizen's unsent drafts (nothing is shown when there are none). */
async function listDrafts(ctx, container) {
  let body;
  try {
    body = await ctx.api.get("/citizen/triage");
  } catch {
    return; // the list is a convenience; the drafts are still on the server
  }
  const drafts = (body?.drafts || []).filter((d) => d.status !== "submitted");
  if (!drafts.length) return;
  const headingId = uniqueId("drafts");
  container.append(h("section", { class: "card drafts", "aria-labelledby": headingId },
    h("h2", { id: headingId, t: "drafts.title" }),
    h("p", { t: "drafts.lead" }),
    h("ul", { class: "draft-list" }, drafts.map((d) => h("li", {},
      h("a", { href: `#/ny-kontakt/${encodeURIComponent(d.draft_id)}`, t: "drafts.item", vars: { reason: d.reason } }),
      h("span", { class: "hint" }, " · ",
        d.status === "finished" ? h("span", { t: "drafts.finished" })
          : h("span", { t: "drafts.answered", vars: { n: d.answered ?? 0 } }),
        d.expires_at ? [" · ", h("span", { t: "drafts.expires", vars: { at: d.expires_at } })] : null))))));
}

export async function intakeView(ctx) {
  ctx.setTitle("newCase.title");
  ctx.main.append(h("h1", { tabindex: "-1", t: "newCase.title" }), h("p", { class: "lead", t: "newCase.lead" }));
  const drafts = h("div");
  ctx.main.append(drafts);
  const regionWide = !hashQuery().has("enhet") && !hashQuery().has("inbjudan");
  const [units, { children }, invite, listedFirst] = await Promise.all([
    ctx.units(), ctx.api.get("/citizen/children"), invitedUnit(ctx),
    regionWide ? listing(ctx) : null, listDrafts(ctx, drafts)]);
  let listed = listedFirst; // the one the contact is for: the citizen, or the child chosen below
  const link = invite.token ? null : linkedUnit(units);
  const note = invite.note || link?.note;
  if (note) drafts.before(note);

  const firstOption = () => (listed?.unit_id
    ? h("option", { value: LET_NARA_CHOOSE, t: "entry.letNaraChoose", vars: { name: listed.unit_name } })
    : h("option", { value: "", t: "newCase.unitChoose" }));
  const unitSelect = h("select", { required: true, autocomplete: "off" },
    firstOption(), [...units.values()].map((u) => h("option", { value: u.unit_id }, u.name)));
  const unitInfo = h("p", { class: "unit-info", "aria-live": "polite" });
  if (invite.unit && units.has(invite.unit.unit_id)) unitSelect.value = invite.unit.unit_id;
  if (link?.unit) unitSelect.value = link.unit.unit_id;
  const who = children.length ? whoChoice(children) : null;
  const written = writtenFields();
  const fields = {
    unit_id: field({ name: "unit_id", labelKey: "newCase.unit", control: unitSelect }),
    ...written.fields,
  };
  fields.unit_id.el.append(unitInfo);
  unitSelect.addEventListener("change", () => {
    const unit = units.get(unitSelect.value === LET_NARA_CHOOSE ? listed.unit_id : unitSelect.value);
    if (unit) bind(unitInfo, "newCase.unitInfo", { address: unit.address, phone: unit.phone });
    else clear(unitInfo);
  });
  if (unitSelect.value) unitSelect.dispatchEvent(new Event("change")); // a unit chosen by a link, or the listed one
  // "Låt Nära välja" names the listed health centre of the one the contact is for: a child may be listed elsewhere
  who?.el.addEventListener("change", async () => {
    if (!regionWide) return;
    const letNara = unitSelect.options[0].value === LET_NARA_CHOOSE && unitSelect.value === LET_NARA_CHOOSE;
    listed = await listing(ctx, who.value());
    unitSelect.options[0].replaceWith(firstOption());
    if (letNara || !unitSelect.value) unitSelect.value = unitSelect.options[0].value;
    unitSelect.dispatchEvent(new Event("change"));
  });

  const summary = h("div");
  const submitError = h("div");
  const submit = h("button", { type: "submit", class: "button", t: "newCase.submit" });
  const form = h("form", { class: "card form", novalidate: true },
    summary,
    who?.el,
    fields.unit_id.el, written.els,
    h("p", { class: "notice", t: "newCase.worse" }),
    submitError,
    submit);
  ctx.main.append(form);

  /** The unit and how it was chosen: none (Nära chooses), the link's unit (as the link came), or picked in a list. */
  function unitChoice() {
    const chosen = unitSelect.value;
    if (chosen === LET_NARA_CHOOSE) return {};
    if (link?.unit && chosen === link.unit.unit_id) {
      return { unit_id: chosen, via: link.via, ...(link.profession ? { profession: link.profession } : {}) };
    }
    if (invite.token) return { unit_id: chosen }; // the phone entry: the invitation says how the contact began
    return { unit_id: chosen, via: "chosen" };
  }

  const intent = new IntentKey();
  form.addEventListener("input", () => intent.reset()); // changed input = a new intended submit
  form.addEventListener("change", () => intent.reset());

  onSubmit(form, { submit, fields, summary, submitError, summaryKey: "newCase.errorSummary",
    label: "newCase.submit", busyLabel: "newCase.submitting",
    prepare() {
      const value = (name) => fields[name].control.value.trim();
      const body = { reason: value("reason"), free_text: value("free_text"), ...unitChoice() };
      for (const name of ["expectations", "notify_sms", "notify_email"]) if (value(name)) body[name] = value(name);
      if (who?.value()) body.for_child = who.value();
      if (invite.token) body.invite = invite.token; // the case records that it began on the phone
      const problems = unitSelect.value ? [] : [{ field: fields.unit_id, key: "newCase.errUnit" }];
      return { body, problems: [...problems, ...checkWritten(fields, body)] };
    },
    async send(body) {
      const draft = await ctx.api.post("/citizen/triage", body, { idempotencyKey: intent.current() });
      intent.reset();
      ctx.navigate(`/ny-kontakt/${encodeURIComponent(draft.draft_id)}`);
    },
  });
}

/** The names of what the citizen wrote in the intake and may change later (PATCH /citizen/triage/{id}). */
const WRITTEN = ["reason", "free_text", "expectations", "notify_sms", "notify_email"];

/**
 * "Ändra det du skrev" (#/ny-kontakt/<draft_id>/andra): the intake's own fields, prefilled from the draft. Who it
 * concerns and the vårdcentral are shown but cannot be changed: the questions and the assessment start from them.
 * Saving sends only what changed; the server scans changed words again and replays the answers, so the triage it
 * returns (the same question, another one, or an outcome) is what the citizen is taken back to.
 */
export async function editIntakeView(ctx, draftId) {
  ctx.setTitle("editIntake.title");
  const path = `/citizen/triage/${encodeURIComponent(draftId)}`;
  const triagePath = `/ny-kontakt/${encodeURIComponent(draftId)}`;
  const draft = await ctx.api.get(path);
  if (draft.case_id) {
    ctx.redirect(`/arenden/${encodeURIComponent(draft.case_id)}`);
    return;
  }
  const [units, children] = await Promise.all([
    ctx.units(), draft.for_child ? ctx.api.get("/citizen/children").then((b) => b.children) : [],
  ]);
  const child = children.find((c) => c.child_id === draft.for_child);

  const written = writtenFields();
  const { fields } = written;
  const before = Object.fromEntries(WRITTEN.map((name) => [name, (draft[name] || "").trim()]));
  for (const name of WRITTEN) fields[name].control.value = before[name];

  const summary = h("div");
  const submitError = h("div");
  const submit = h("button", { type: "submit", class: "button", t: "editIntake.save" });
  const form = h("form", { class: "card form", novalidate: true },
    summary,
    h("div", { class: "fixed-facts" },
      h("dl", { class: "details" },
        h("dt", { t: "newCase.who" }),
        child ? h("dd", {}, `${child.name} (${child.birth_date})`)
          : h("dd", { t: draft.for_child ? "editIntake.child" : "newCase.forMe" }),
        h("dt", { t: "newCase.unit" }),
        h("dd", {}, units.get(draft.unit_id)?.name || draft.unit_id)),
      h("p", { class: "hint" },
        h("span", { t: "editIntake.fixedHint" }), " ",
        h("a", { href: "#/ny-kontakt", t: "editIntake.startNew" }))),
    written.els,
    submitError,
    h("div", { class: "actions" },
      submit,
      h("a", { href: `#${triagePath}`, t: "editIntake.cancel" })));
  ctx.main.append(
    h("p", { class: "kicker", t: "triage.title" }),
    h("h1", { tabindex: "-1", t: "editIntake.title" }),
    h("p", { class: "lead", t: "editIntake.lead" }),
    form);

  onSubmit(form, { submit, fields, summary, submitError, summaryKey: "editIntake.errorSummary",
    label: "editIntake.save", busyLabel: "editIntake.saving",
    prepare() {
      const body = {};
      for (const name of WRITTEN) {
        const value = fields[name].control.value.trim();
        if (value !== before[name]) body[name] = value; // "" clears an optional field
      }
      return { body, problems: checkWritten(fields, body) };
    },
    async send(body) {
      if (!Object.keys(body).length) {
        intakeSaved.set(draftId, { draft: null, notice: "editIntake.unchanged" });
        ctx.navigate(triagePath);
        return;
      }
      const after = await ctx.api.patch(path, body, { idempotent: true }); // the same values again change nothing
      const moved = after.status !== draft.status || after.step?.id !== draft.step?.id;
      intakeSaved.set(draftId, { draft: after, notice: moved ? "editIntake.savedMoved" : "editIntake.saved" });
      ctx.navigate(triagePath);
    },
  });
}

/**
 * The fields of what the citizen writes: sökorsak, own words, expectations, and SMS and e-mail (in a group of their
 * own). {fields: {name: field}, els: [elements in order]}.
 */
function writtenFields() {
  const fields = {
    reason: field({ name: "reason", labelKey: "newCase.reason", hintKey: "newCase.reasonHint",
      control: h("input", { type: "text", required: true, maxlength: "200", autocomplete: "off" }) }),
    free_text: field({ name: "free_text", labelKey: "newCase.freeText", hintKey: "newCase.freeTextHint",
      control: h("textarea", { rows: "5", maxlength: "1500" }) }),
    expectations: field({ name: "expectations", labelKey: "newCase.expectations", hintKey: "newCase.expectationsHint",
      control: h("textarea", { rows: "3", maxlength: "1000" }) }),
    notify_sms: field({ name: "notify_sms", labelKey: "newCase.sms", hintKey: "newCase.smsHint",
      control: h("input", { type: "tel", autocomplete: "tel", inputmode: "tel", maxlength: "20" }) }),
    notify_email: field({ name: "notify_email", labelKey: "newCase.email",
      control: h("input", { type: "email", autocomplete: "email", maxlength: "254", spellcheck: "false" }) }),
  };
  const notifyHint = uniqueId("notify-hint");
  const els = [fields.reason.el, fields.free_text.el, fields.expectations.el,
    h("fieldset", { class: "group", "aria-describedby": notifyHint },
      h("legend", { t: "newCase.notify" }),
      h("p", { id: notifyHint, class: "hint", t: "newCase.notifyHint" }),
      fields.notify_sms.el, fields.notify_email.el)];
  return { fields, els };
}

/** What the browser can tell before sending (the server checks again), for the names in `body` only. */
function checkWritten(fields, body) {
  const problems = [];
  if ("reason" in body && !body.reason) problems.push({ field: fields.reason, key: "newCase.errReason" });
  if (body.notify_sms && !MOBILE.test(body.notify_sms.replace(/[\s-]/g, ""))) {
    problems.push({ field: fields.notify_sms, key: "newCase.errSms" });
  }
  if (body.notify_email && !EMAIL.test(body.notify_email)) {
    problems.push({ field: fields.notify_email, key: "newCase.errEmail" });
  }
  return problems;
}

/**
 * A form's submit: clear old errors; prepare() → {body, problems}; problems go on their fields and in the error
 * summary; else send(body) with the button disabled (one submit at a time), and a failure is shown on the field the
 * server names (its message_sv in Swedish) or under the form.
 */
function onSubmit(form, { submit, fields, summary, submitError, summaryKey, label, busyLabel, prepare, send }) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    clear(submitError);
    Object.values(fields).forEach((f) => f.clearError());
    const { body, problems } = prepare();
    problems.forEach((p) => p.field.showError(p));
    errorSummary(summary, summaryKey, problems);
    if (problems.length) return;

    submit.disabled = true;
    bind(submit, busyLabel);
    try {
      await send(body);
    } catch (error) {
      showError(error, { fields, summary, summaryKey, fallback: submitError });
      submit.disabled = false;
      bind(submit, label);
    }
  });
}

/** Me or one of my children (radio buttons in a fieldset): {el, value()}; "" is me. */
function whoChoice(children) {
  const name = uniqueId("who");
  const hint = `${name}-hint`;
  const option = (value, label) => {
    const id = uniqueId("who-option");
    return h("div", { class: "option" },
      h("input", { type: "radio", id, name, value, checked: value === "" }),
      h("label", { for: id, ...label }));
  };
  const el = h("fieldset", { class: "group field", "aria-describedby": hint },
    h("legend", { t: "newCase.who" }),
    h("p", { id: hint, class: "hint", t: "newCase.whoHint" }),
    h("div", { class: "options" },
      option("", { t: "newCase.forMe" }),
      children.map((c) => option(c.child_id, { text: `${c.name} (${c.birth_date})` }))));
  return { el, value: () => el.querySelector("input:checked")?.value || "" };
}
