// Decisions on a case, on the staff case page: change the triage's priority or profession (with a reason), refer
// the case within the region with an SBAR note, answer a referral sent to one's unit (take it, or send it back with
// a reason), and the record: the ready-to-paste journal note and the FHIR export.
//
// Every form checks what it can before sending, shows problems summarised at the top and at each field (linked),
// and maps the server's field errors (422 with `field`) to the same places. The posting itself is the page's
// `act(action, body, {onFieldError})` (handling.js), which sends with an idempotency key and shows the answer.

import { clear, errorMessage, errorTexts, h, uniqueId } from "/shared/dom.js";
import { IntentKey, errorSummary, field } from "/shared/forms.js";
import { bind } from "/shared/i18n.js";

const PRIORITIES = ["P1", "P2", "P3", "P4", "P5"];
const SBAR = ["situation", "background", "assessment", "recommendation"];
const REASON_MAX = 1000;
const SBAR_MAX = 2000;

/**
 * A form's problems: `show([{field, key}])` marks the fields and shows the summary; `fromServer(error)` does the same
 * for a 422 naming a field of this form (true when it did). Server field names may differ (`aliases`).
 */
function problemsOf(container, titleKey, fields, aliases = {}) {
  return {
    clear() {
      Object.values(fields).forEach((f) => f.clearError());
      clear(container);
    },
    show(problems) {
      problems.forEach((p) => p.field.showError(p.key ? { key: p.key } : { text: p.text }));
      errorSummary(container, titleKey, problems);
    },
    fromServer(error) {
      const target = fields[aliases[error.field] || error.field];
      if (!target) return false;
      this.show([{ field: target, text: h("span", { l: errorTexts(error) }) }]);
      return true;
    },
  };
}

/**
 * A button that shows and hides a part of the page (aria-expanded), focusing its first control when opened. The
 * content may be a function: it is made when first opened (a form that fetches what it offers fetches it then).
 */
export function disclosure(labelKey, content, { className = "button-secondary" } = {}) {
  const id = uniqueId("disclosure");
  const lazy = typeof content === "function" ? content : null;
  const panel = h("div", { id, class: "disclosure-panel", hidden: true }, lazy ? null : content);
  const button = h("button", { type: "button", class: `${className} disclosure`, "aria-expanded": "false",
    "aria-controls": id, t: labelKey });
  button.addEventListener("click", () => {
    const open = button.getAttribute("aria-expanded") !== "true";
    if (open && lazy && !panel.firstChild) panel.append(lazy());
    button.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
    if (open) panel.querySelector("select, input, textarea")?.focus();
  });
  return h("div", { class: "disclosure-wrap" }, button, panel);
}

function select(options) {
  return h("select", {}, options.map(([value, key, vars]) => h("option", { value, t: key, vars })));
}

function textarea(max, rows = 3) {
  return h("textarea", { rows: String(rows), maxlength: String(max) });
}

/** Ändra prioritet eller yrkesroll: a new priority and/or profession, and why (kept beside the triage's outcome). */
export function overrideForm({ theCase, units, act }) {
  const unit = units.get(theCase.unit_id);
  const professions = [...new Set([...(unit?.professions || []), theCase.profession])];
  const prioritySelect = select([["", "override.unchanged"],
    ...PRIORITIES.map((p) => [p, p === theCase.priority ? "override.current" : `priority.${p}`,
      { label: p, fallback: p }])]);
  const professionSelect = select([["", "override.unchanged"],
    ...professions.map((p) => [p, p === theCase.profession ? "override.currentProfession" : `profession.${p}`,
      { code: p, fallback: p }])]);
  const reasonBox = textarea(REASON_MAX, 4);
  const fields = {
    priority: field({ name: "priority", labelKey: "override.priority", hintKey: "override.priorityHint",
      control: prioritySelect }),
    profession: field({ name: "profession", labelKey: "override.profession", hintKey: "override.professionHint",
      control: professionSelect }),
    reason: field({ name: "reason", labelKey: "override.reason", hintKey: "override.reasonHint", control: reasonBox }),
  };
  const errors = h("div");
  const problems = problemsOf(errors, "override.errorsTitle", fields);
  const submit = h("button", { type: "submit", class: "button", t: "override.submit" });
  const headingId = uniqueId("override-heading");
  const form = h("form", { class: "handling-form override-form", novalidate: true, "aria-labelledby": headingId },
    h("h3", { id: headingId, t: "override.title" }), errors,
    fields.priority.el, fields.profession.el, fields.reason.el, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problems.clear();
    const priority = prioritySelect.value && prioritySelect.value !== theCase.priority ? prioritySelect.value : null;
    const profession = professionSelect.value && professionSelect.value !== theCase.profession
      ? professionSelect.value : null;
    const reason = reasonBox.value.trim();
    const found = [];
    if (!priority && !profession) found.push({ field: fields.priority, key: "override.errNothing" });
    if (!reason) found.push({ field: fields.reason, key: "override.errReason" });
    if (found.length) {
      problems.show(found);
      return;
    }
    const body = { reason };
    if (priority) body.priority = priority;
    if (profession) body.profession = profession;
    submit.disabled = true;
    await act("override", body, { onFieldError: (error) => problems.fromServer(error) });
    submit.disabled = false;
  });
  return form;
}

/** Remittera: to another unit and/or profession in the region, with the SBAR handover note. */
export function referForm({ theCase, units, act }) {
  const all = [...units.values()].sort((a, b) => a.name.localeCompare(b.name, "sv"));
  const unitSelect = h("select", {}, h("option", { value: "", t: "refer.chooseUnit" }),
    all.map((u) => h("option", { value: u.unit_id }, u.name)));
  const professionSelect = h("select", {});
  function fillProfessions() {
    const chosen = units.get(unitSelect.value);
    const before = professionSelect.value;
    const offered = chosen ? chosen.professions || [] : [];
    clear(professionSelect, h("option", { value: "", t: chosen ? "refer.chooseProfession" : "refer.unitFirst" }),
      offered.map((p) => h("option", { value: p, t: `profession.${p}`, vars: { fallback: p } })));
    if (offered.includes(before)) professionSelect.value = before;
    else if (offered.includes(theCase.profession) && chosen?.unit_id !== theCase.unit_id) {
      professionSelect.value = theCase.profession;
    }
  }
  fillProfessions();
  unitSelect.addEventListener("change", fillProfessions);
  const fields = {
    to_unit_id: field({ name: "to_unit_id", labelKey: "refer.unit", hintKey: "refer.unitHint", control: unitSelect }),
    to_profession: field({ name: "to_profession", labelKey: "refer.profession", hintKey: "refer.professionHint",
      control: professionSelect }),
  };
  for (const k of SBAR) {
    fields[k] = field({ name: k, labelKey: `sbar.${k}`, hintKey: `sbar.${k}Hint`, control: textarea(SBAR_MAX) });
  }
  const errors = h("div");
  const problems = problemsOf(errors, "refer.errorsTitle", fields);
  const intent = new IntentKey(); // the referral's id: a resubmit after a lost answer finds the referral made
  const submit = h("button", { type: "submit", class: "button", t: "refer.submit" });
  const headingId = uniqueId("refer-heading");
  const sbarId = uniqueId("sbar-legend");
  const form = h("form", { class: "handling-form refer-form", novalidate: true, "aria-labelledby": headingId },
    h("h3", { id: headingId, t: "refer.title" }),
    h("p", { class: "hint", t: "refer.lead" }),
    errors, fields.to_unit_id.el, fields.to_profession.el,
    h("fieldset", { class: "group sbar-group", "aria-describedby": `${sbarId}-hint` },
      h("legend", { id: sbarId, t: "refer.sbar" }),
      h("p", { id: `${sbarId}-hint`, class: "hint", t: "refer.sbarHint" }),
      SBAR.map((k) => fields[k].el)),
    submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problems.clear();
    const body = { to_unit_id: unitSelect.value, to_profession: professionSelect.value };
    for (const k of SBAR) body[k] = fields[k].control.value.trim();
    const found = [];
    if (!body.to_unit_id) found.push({ field: fields.to_unit_id, key: "refer.errUnit" });
    if (!body.to_profession) found.push({ field: fields.to_profession, key: "refer.errProfession" });
    else if (body.to_unit_id === theCase.unit_id && body.to_profession === theCase.profession) {
      found.push({ field: fields.to_profession, key: "refer.errSame" });
    }
    for (const k of SBAR) if (!body[k]) found.push({ field: fields[k], key: `sbar.${k}Missing` });
    if (found.length) {
      problems.show(found);
      return;
    }
    body.referral_id = intent.current();
    submit.disabled = true;
    await act("refer", body, {
      onFieldError: (error) => problems.fromServer(error),
      toUnit: units.get(body.to_unit_id)?.name || body.to_unit_id,
    });
    submit.disabled = false;
  });
  return form;
}

/** A referral waiting at one's unit: take it (it becomes one's own case) or send it back with a reason. */
export function referralAnswer({ referral, units, act, actionButton }) {
  const from = units.get(referral.from_unit_id)?.name || referral.from_unit_id;
  const reasonBox = textarea(REASON_MAX, 3);
  const fields = { reason: field({ name: "reason", labelKey: "referralAnswer.reason",
    hintKey: "referralAnswer.reasonHint", control: reasonBox }) };
  const errors = h("div");
  const problems = problemsOf(errors, "referralAnswer.errorsTitle", fields);
  const submit = h("button", { type: "submit", class: "button-secondary", t: "referralAnswer.reject" });
  const headingId = uniqueId("reject-heading");
  const form = h("form", { class: "handling-form reject-form", novalidate: true, "aria-labelledby": headingId },
    h("h3", { id: headingId, t: "referralAnswer.rejectTitle" }), errors, fields.reason.el, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problems.clear();
    const reason = reasonBox.value.trim();
    if (!reason) {
      problems.show([{ field: fields.reason, key: "referralAnswer.errReason" }]);
      return;
    }
    submit.disabled = true;
    await act("referral/reject", { reason }, {
      onFieldError: (error) => problems.fromServer(error),
      toName: referral.by_name || referral.by || "",
    });
    submit.disabled = false;
  });
  return h("div", { class: "referral-answer" },
    h("p", { class: "notice referral-notice" }, h("span", { class: "marker marker-referral", t: "queue.referral" }),
      " ", referral.kind === "region" ? h("span", { t: "referralAnswer.regionLead", vars: {
        from: referral.from_unit_name || referral.from_unit_id, region: referral.from_region_name || "",
        name: referral.by_name || referral.by || "" } })
        : referral.kind === "overflow" ? h("span", { t: "referralAnswer.overflowLead", vars: { from } })
        : h("span", { t: "referralAnswer.lead", vars: { from, name: referral.by_name || referral.by || "" } })),
    h("div", { class: "actions" },
      actionButton("referralAnswer.accept", "button", () => act("referral/accept", {}))),
    form);
}

/** Journalanteckning (ready to paste, read-only, with Kopiera) and the FHIR export as a file. */
export function recordSection({ ctx, caseId }) {
  const path = `/staff/cases/${encodeURIComponent(caseId)}`;
  const status = h("p", { class: "hint record-status", role: "status" });
  const journalArea = h("div", { class: "journal" });
  const showButton = h("button", { type: "button", class: "button-secondary", t: "record.showJournal" });
  const fhirButton = h("button", { type: "button", class: "button-secondary", t: "record.fhir" });
  const errors = h("div");
  const headingId = uniqueId("record-heading");

  showButton.addEventListener("click", async () => {
    showButton.disabled = true;
    clear(errors);
    try {
      const note = await ctx.api.get(`${path}/journal`);
      const box = h("textarea", { id: uniqueId("journal-text"), class: "journal-text", readonly: true,
        rows: String(Math.min(24, Math.max(6, String(note.text || "").split("\n").length + 1))) });
      box.value = note.text || "";
      const copy = h("button", { type: "button", class: "button", t: "record.copy" });
      copy.addEventListener("click", () => copyText(box, status));
      clear(journalArea,
        h("label", { for: box.id, t: "record.journal" }),
        h("p", { id: `${box.id}-hint`, class: "hint", t: "record.journalHint" }), box,
        h("div", { class: "actions" }, copy));
      box.setAttribute("aria-describedby", `${box.id}-hint`);
      bind(showButton, "record.refreshJournal");
      box.focus();
    } catch (error) {
      clear(errors, errorMessage(error));
    } finally {
      showButton.disabled = false;
    }
  });

  fhirButton.addEventListener("click", async () => {
    fhirButton.disabled = true;
    clear(errors);
    try {
      const bundle = await ctx.api.get(`${path}/fhir`, { headers: { Accept: "application/fhir+json" } });
      const blob = new Blob([JSON.stringify(bundle, null, 2)], { type: "application/fhir+json" });
      const url = URL.createObjectURL(blob);
      const link = h("a", { href: url, download: `nara-arende-${caseId}.fhir.json`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      bind(status, "record.fhirSaved");
    } catch (error) {
      clear(errors, errorMessage(error));
    } finally {
      fhirButton.disabled = false;
    }
  });

  return h("section", { class: "card record", "aria-labelledby": headingId },
    h("h2", { id: headingId, t: "record.title" }),
    h("p", { class: "hint", t: "record.lead" }),
    h("div", { class: "actions" }, showButton, fhirButton),
    errors, status, journalArea);
}

async function copyText(box, status) {
  try {
    await navigator.clipboard.writeText(box.value);
  } catch {
    box.select(); // no clipboard permission: select it, so Ctrl+C copies
    if (!document.execCommand?.("copy")) {
      bind(status, "record.copySelect");
      return;
    }
  }
  bind(status, "record.copied");
}
