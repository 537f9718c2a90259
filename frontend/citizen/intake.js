// Home (after login) and Ny kontakt: who it concerns, vårdcentral, sökorsak, own words, expectations and how to be
// notified. "Fortsätt" begins a triage draft on the server (it survives reload and closing the browser); unfinished
// drafts are listed as "Fortsätt där du slutade".

import { clear, h, uniqueId } from "/shared/dom.js";
import { errorSummary, field, IntentKey } from "/shared/forms.js";
import { bind } from "/shared/i18n.js";
import { showError } from "./util.js";

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
  const [units, { children }] = await Promise.all([ctx.units(), ctx.api.get("/citizen/children"), listDrafts(ctx, drafts)]);

  const unitSelect = h("select", { required: true, autocomplete: "off" },
    h("option", { value: "", t: "newCase.unitChoose" }),
    [...units.values()].map((u) => h("option", { value: u.unit_id }, u.name)));
  const unitInfo = h("p", { class: "unit-info", "aria-live": "polite" });
  const who = children.length ? whoChoice(children) : null;
  const fields = {
    unit_id: field({ name: "unit_id", labelKey: "newCase.unit", control: unitSelect }),
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
  fields.unit_id.el.append(unitInfo);
  unitSelect.addEventListener("change", () => {
    const unit = units.get(unitSelect.value);
    if (unit) bind(unitInfo, "newCase.unitInfo", { address: unit.address, phone: unit.phone });
    else clear(unitInfo);
  });
  const notifyHint = uniqueId("notify-hint");

  const summary = h("div");
  const submitError = h("div");
  const submit = h("button", { type: "submit", class: "button", t: "newCase.submit" });
  const form = h("form", { class: "card form", novalidate: true },
    summary,
    who?.el,
    fields.unit_id.el, fields.reason.el, fields.free_text.el, fields.expectations.el,
    h("fieldset", { class: "group", "aria-describedby": notifyHint },
      h("legend", { t: "newCase.notify" }),
      h("p", { id: notifyHint, class: "hint", t: "newCase.notifyHint" }),
      fields.notify_sms.el, fields.notify_email.el),
    h("p", { class: "notice", t: "newCase.worse" }),
    submitError,
    submit);
  ctx.main.append(form);

  const intent = new IntentKey();
  form.addEventListener("input", () => intent.reset()); // changed input = a new intended submit
  form.addEventListener("change", () => intent.reset());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    clear(submitError);
    Object.values(fields).forEach((f) => f.clearError());
    const value = (name) => fields[name].control.value.trim();
    const body = { unit_id: unitSelect.value, reason: value("reason"), free_text: value("free_text") };
    for (const name of ["expectations", "notify_sms", "notify_email"]) if (value(name)) body[name] = value(name);
    if (who?.value()) body.for_child = who.value();
    const problems = [];
    if (!body.unit_id) problems.push({ field: fields.unit_id, key: "newCase.errUnit" });
    if (!body.reason) problems.push({ field: fields.reason, key: "newCase.errReason" });
    if (body.notify_sms && !MOBILE.test(body.notify_sms.replace(/[\s-]/g, ""))) {
      problems.push({ field: fields.notify_sms, key: "newCase.errSms" });
    }
    if (body.notify_email && !EMAIL.test(body.notify_email)) {
      problems.push({ field: fields.notify_email, key: "newCase.errEmail" });
    }
    problems.forEach((p) => p.field.showError(p));
    errorSummary(summary, "newCase.errorSummary", problems);
    if (problems.length) return;

    submit.disabled = true;
    bind(submit, "newCase.submitting");
    try {
      const draft = await ctx.api.post("/citizen/triage", body, { idempotencyKey: intent.current() });
      intent.reset();
      ctx.navigate(`/ny-kontakt/${encodeURIComponent(draft.draft_id)}`);
    } catch (error) {
      showError(error, { fields, summary, summaryKey: "newCase.errorSummary", fallback: submitError });
      submit.disabled = false;
      bind(submit, "newCase.submit");
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
