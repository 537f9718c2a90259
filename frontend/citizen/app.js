// The citizen frontend: start page (what Nära is and is not), login, Ny kontakt, Mina ärenden, one case with chat.

import { config, loginPanel, startApp } from "/shared/app.js";
import { mountChat } from "/shared/chat.js";
import { clear, codeLabel, errorMessage, h, timeEl } from "/shared/dom.js";
import { errorSummary, field, IntentKey } from "/shared/forms.js";
import { bind } from "/shared/i18n.js";

let justSent = null; // the case just submitted: its page thanks the citizen once

function intro() {
  return h("section", { class: "intro" },
    h("h1", { tabindex: "-1", t: "start.title" }),
    h("p", { class: "lead", t: "start.lead", vars: { region: config.region } }),
    h("div", { class: "is-isnot" },
      h("div", { class: "card" },
        h("h2", { t: "start.isTitle" }),
        h("ul", {}, ["start.is1", "start.is2", "start.is3"].map((key) => h("li", { t: key })))),
      h("div", { class: "card card-caution" },
        h("h2", { t: "start.isNotTitle" }),
        h("ul", {}, ["start.isNot1", "start.isNot2", "start.isNot3"].map((key) => h("li", { t: key }))))));
}

function loggedOutView(ctx) {
  ctx.setTitle("start.title");
  const login = loginPanel(ctx);
  ctx.main.append(h("div", { class: "start-grid" }, intro(), login.el));
  return login.destroy;
}

async function homeView(ctx) {
  if (!ctx.session.token) return loggedOutView(ctx);
  ctx.setTitle("nav.start");
  ctx.main.append(
    h("h1", { tabindex: "-1", t: "home.title", vars: { name: ctx.session.name } }),
    h("p", { class: "lead", t: "home.lead" }),
    h("ul", { class: "choices" },
      h("li", {}, h("a", { class: "choice", href: "#/ny-kontakt" },
        h("span", { class: "choice-title", t: "nav.newCase" }), h("span", { t: "home.newCaseText" }))),
      h("li", {}, h("a", { class: "choice", href: "#/arenden" },
        h("span", { class: "choice-title", t: "nav.myCases" }), h("span", { t: "home.myCasesText" })))));
}

async function newCaseView(ctx) {
  ctx.setTitle("newCase.title");
  const heading = h("h1", { tabindex: "-1", t: "newCase.title" });
  ctx.main.append(heading, h("p", { class: "lead", t: "newCase.lead" }));
  const units = await ctx.units();

  const unitSelect = h("select", { required: true },
    h("option", { value: "", t: "newCase.unitChoose" }),
    [...units.values()].map((u) => h("option", { value: u.unit_id }, u.name)));
  const unitInfo = h("p", { class: "unit-info", "aria-live": "polite" });
  // A guardian may act for their children under 18 (custody confirmed by the population register at login).
  const { children } = await ctx.api.get("/citizen/children");
  const whoSelect = h("select", {},
    h("option", { value: "", t: "newCase.forMe" }),
    children.map((c) => h("option", { value: c.child_id }, `${c.name} (${c.birth_date})`)));
  const fields = {
    ...(children.length ? { for_child: field({ name: "for_child", labelKey: "newCase.who", hintKey: "newCase.whoHint",
      control: whoSelect }) } : {}),
    unit_id: field({ name: "unit_id", labelKey: "newCase.unit", control: unitSelect }),
    reason: field({ name: "reason", labelKey: "newCase.reason", hintKey: "newCase.reasonHint",
      control: h("input", { type: "text", required: true, maxlength: "200", autocomplete: "off" }) }),
    free_text: field({ name: "free_text", labelKey: "newCase.freeText", hintKey: "newCase.freeTextHint",
      control: h("textarea", { rows: "6", maxlength: "4000" }) }),
  };
  fields.unit_id.el.append(unitInfo);
  unitSelect.addEventListener("change", () => {
    const unit = units.get(unitSelect.value);
    if (unit) bind(unitInfo, "newCase.unitInfo", { address: unit.address, phone: unit.phone });
    else clear(unitInfo);
  });

  const summary = h("div");
  const submitError = h("div");
  const submit = h("button", { type: "submit", class: "button", t: "newCase.submit" });
  const form = h("form", { class: "card form", novalidate: true },
    summary,
    Object.values(fields).map((f) => f.el),
    h("p", { class: "notice", t: "newCase.worse" }),
    submitError,
    submit);
  ctx.main.append(form);

  const intent = new IntentKey();
  form.addEventListener("input", () => intent.reset()); // changed input = a new intended submit

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(submitError);
    Object.values(fields).forEach((f) => f.clearError());
    const body = {
      unit_id: unitSelect.value,
      reason: fields.reason.control.value.trim(),
      free_text: fields.free_text.control.value.trim(),
    };
    if (whoSelect.value) body.for_child = whoSelect.value;
    const problems = [];
    if (!body.unit_id) problems.push({ field: fields.unit_id, key: "newCase.errUnit" });
    if (!body.reason) problems.push({ field: fields.reason, key: "newCase.errReason" });
    problems.forEach((p) => p.field.showError(p));
    errorSummary(summary, "newCase.errorSummary", problems);
    if (problems.length) return;

    submit.disabled = true;
    bind(submit, "newCase.submitting");
    try {
      const created = await ctx.api.post("/citizen/cases", body, { idempotencyKey: intent.current() });
      intent.reset();
      justSent = created.case_id;
      ctx.navigate(`/arenden/${encodeURIComponent(created.case_id)}`);
    } catch (error) {
      const target = fields[error.field];
      if (target) {
        target.showError({ text: error.message });
        errorSummary(summary, "newCase.errorSummary", [{ field: target, text: error.message }]);
      } else {
        submitError.append(errorMessage(error));
      }
      submit.disabled = false;
      bind(submit, "newCase.submit");
    }
  });
}

async function casesView(ctx) {
  ctx.setTitle("cases.title");
  ctx.main.append(h("h1", { tabindex: "-1", t: "cases.title" }));
  const [body, units] = await Promise.all([ctx.api.get("/citizen/cases"), ctx.units()]);
  const cases = [...body.cases].sort((a, b) => b.submitted_at.localeCompare(a.submitted_at));
  if (!cases.length) {
    ctx.main.append(h("p", { t: "cases.empty" }),
      h("p", {}, h("a", { class: "button", href: "#/ny-kontakt", t: "nav.newCase" })));
    return;
  }
  ctx.main.append(h("ul", { class: "case-list" }, cases.map((c) => h("li", { class: "card case-item" },
    h("h2", {}, h("a", { href: `#/arenden/${encodeURIComponent(c.case_id)}` }, c.reason)),
    h("p", { class: "case-meta" },
      h("span", {}, units.get(c.unit_id)?.name || c.unit_id), " · ",
      h("span", { t: "cases.sentAt", vars: { at: c.submitted_at } })),
    h("p", { class: "status" }, codeLabel("citizenStatus", c.status))))));
}

async function caseView(ctx, caseId) {
  const [theCase, units] = await Promise.all([
    ctx.api.get(`/citizen/cases/${encodeURIComponent(caseId)}`), ctx.units(),
  ]);
  ctx.setTitle("case.kicker"); // the reason is health data: keep it out of the tab title and history
  const thanks = justSent === caseId;
  justSent = null;
  ctx.main.append(
    h("p", { class: "back" }, h("a", { href: "#/arenden", t: "case.back" })),
    h("p", { class: "kicker", t: "case.kicker" }),
    h("h1", { tabindex: "-1" }, theCase.reason),
    thanks ? h("p", { class: "notice notice-success", role: "status", t: "newCase.sent" }) : null,
    h("section", { class: "card", "aria-labelledby": "case-details" },
      h("h2", { id: "case-details", t: "case.details" }),
      h("dl", { class: "details" },
        h("dt", { t: "case.unit" }), h("dd", {}, units.get(theCase.unit_id)?.name || theCase.unit_id),
        h("dt", { t: "case.status" }), h("dd", {}, codeLabel("citizenStatus", theCase.status)),
        h("dt", { t: "case.submitted" }), h("dd", {}, timeEl(theCase.submitted_at)),
        h("dt", { t: "case.freeText" }),
        theCase.free_text
          ? h("dd", { class: "free-text" }, theCase.free_text)
          : h("dd", { t: "case.noFreeText" }))));
  const chat = mountChat(ctx.main, { ctx, caseId, emptyKey: "chat.emptyCitizen" });
  return () => chat.destroy();
}

startApp({
  kind: "citizen",
  titleKey: "app.citizenTitle",
  loginView: loggedOutView,
  nav: [
    { href: "#/", t: "nav.start" },
    { href: "#/ny-kontakt", t: "nav.newCase" },
    { href: "#/arenden", t: "nav.myCases" },
  ],
  routes: [
    { path: /^\/$/, view: homeView },
    { path: /^\/ny-kontakt$/, auth: true, view: newCaseView },
    { path: /^\/arenden$/, auth: true, view: casesView },
    { path: /^\/arenden\/([^/]+)$/, auth: true, view: caseView },
  ],
});
