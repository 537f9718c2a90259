// Loggranskning (#/loggranskning/<unit>): the unit's administrators review the access log. Search by patient
// (personnummer) or staff member (HSA-id) in a period (GET /staff/units/{unit}/access-log), or draw a random sample
// for the periodic review (POST …/access-log/sample). The review is itself logged: each patient shown gets a record
// with the ground "review" (docs/access-log.md).

import { codeLabel, errorMessage, h, timeEl, uniqueId } from "/shared/dom.js";
import { errorSummary, field } from "/shared/forms.js";
import { addStrings } from "/shared/i18n.js";

addStrings({
  sv: {
    "nav.accessLog": "Loggranskning",
    "review.title": "Loggranskning",
    "review.lead": "Sök i enhetens logg över åtkomst till patientuppgifter, eller dra ett slumpvis stickprov för "
      + "den regelbundna granskningen. Din granskning loggas också: varje patient som visas får en loggpost.",
    "review.notAdmin": "Loggranskning är för enhetens administratörer.",
    "review.search": "Sök i loggen",
    "review.by": "Sök på",
    "review.by.patient": "Patient (personnummer)",
    "review.by.staff": "Medarbetare (HSA-id)",
    "review.value": "Personnummer eller HSA-id",
    "review.valueHint": "Personnummer som ÅÅÅÅMMDD-NNNN, HSA-id som SE2321000016-1234.",
    "review.from": "Från och med (datum)",
    "review.to": "Till och med (datum)",
    "review.periodHint": "Tomt: de senaste 30 dagarna.",
    "review.searchButton": "Sök",
    "review.sample": "Stickprov",
    "review.size": "Antal poster",
    "review.sampleButton": "Dra stickprov",
    "review.errorsTitle": "Det gick inte att söka",
    "review.err.value": "Fyll i personnummer eller HSA-id.",
    "review.err.size": "Ange ett antal mellan 1 och 100.",
    "review.caption": "Loggposter",
    "review.count": (v) => (v.n === 1 ? "1 loggpost." : `${v.n} loggposter.`),
    "review.none": "Inga loggposter för sökningen.",
    "review.col.at": "När",
    "review.col.who": "Vem",
    "review.col.role": "Roll",
    "review.col.case": "Ärende",
    "review.col.patient": "Patient (pseudonym)",
    "review.col.action": "Vad",
    "review.col.ground": "Grund",
    "profession.admin": "Administratör",
  },
  en: {
    "nav.accessLog": "Log review",
    "review.title": "Log review",
    "review.lead": "Search the unit's log of access to patient data, or draw a random sample for the periodic "
      + "review. Your review is logged too: each patient shown gets a log record.",
    "review.notAdmin": "Log review is for the unit's administrators.",
    "review.search": "Search the log",
    "review.by": "Search by",
    "review.by.patient": "Patient (personal identity number)",
    "review.by.staff": "Staff member (HSA-id)",
    "review.value": "Personal identity number or HSA-id",
    "review.valueHint": "Personal identity number as YYYYMMDD-NNNN, HSA-id as SE2321000016-1234.",
    "review.from": "From (date)",
    "review.to": "To (date)",
    "review.periodHint": "Empty: the last 30 days.",
    "review.searchButton": "Search",
    "review.sample": "Random sample",
    "review.size": "Number of records",
    "review.sampleButton": "Draw sample",
    "review.errorsTitle": "The search could not be made",
    "review.err.value": "Enter a personal identity number or an HSA-id.",
    "review.err.size": "Enter a number between 1 and 100.",
    "review.caption": "Log records",
    "review.count": (v) => (v.n === 1 ? "1 log record." : `${v.n} log records.`),
    "review.none": "No log records for the search.",
    "review.col.at": "When",
    "review.col.who": "Who",
    "review.col.role": "Role",
    "review.col.case": "Case",
    "review.col.patient": "Patient (pseudonym)",
    "review.col.action": "What",
    "review.col.ground": "Ground",
    "profession.admin": "Administrator",
  },
});

const dateInput = () => h("input", { type: "date" });

export async function accessLogView(ctx, unitId) {
  ctx.setTitle("review.title");
  ctx.main.append(h("h1", { tabindex: "-1", t: "review.title" }));
  const [me, units] = await Promise.all([ctx.me(), ctx.units()]);
  const admin = me.roles.some((r) => r.unit_id === unitId && r.role === "admin");
  if (!admin) {
    ctx.main.append(h("p", { t: "review.notAdmin" }));
    return;
  }
  const unitName = units.get(unitId)?.name || unitId;
  const base = `/staff/units/${encodeURIComponent(unitId)}/access-log`;
  ctx.main.append(h("p", { class: "lead" }, unitName), h("p", { t: "review.lead" }));
  const result = h("section", { class: "review-result", "aria-live": "polite" });

  // --- search ---
  const by = field({ name: "by", labelKey: "review.by", control: h("select", {},
    h("option", { value: "patient", t: "review.by.patient" }), h("option", { value: "staff", t: "review.by.staff" })) });
  const value = field({ name: "personal_number", labelKey: "review.value", hintKey: "review.valueHint",
    control: h("input", { type: "text", autocomplete: "off", spellcheck: "false" }) });
  const from = field({ name: "from", labelKey: "review.from", hintKey: "review.periodHint", control: dateInput() });
  const to = field({ name: "to", labelKey: "review.to", control: dateInput() });
  const searchErrors = h("div");
  const searchId = uniqueId("review-search");
  const searchForm = h("form", { class: "card review-search", novalidate: true, "aria-labelledby": searchId },
    h("h2", { id: searchId, t: "review.search" }), searchErrors, by.el, value.el, from.el, to.el,
    h("button", { type: "submit", class: "button", t: "review.searchButton" }));

  // --- sample ---
  const size = field({ name: "size", labelKey: "review.size",
    control: h("input", { type: "number", min: "1", max: "100", value: "20", inputmode: "numeric" }) });
  const sampleFrom = field({ name: "from", labelKey: "review.from", hintKey: "review.periodHint", control: dateInput() });
  const sampleTo = field({ name: "to", labelKey: "review.to", control: dateInput() });
  const sampleErrors = h("div");
  const sampleId = uniqueId("review-sample");
  const sampleForm = h("form", { class: "card review-sample", novalidate: true, "aria-labelledby": sampleId },
    h("h2", { id: sampleId, t: "review.sample" }), sampleErrors, size.el, sampleFrom.el, sampleTo.el,
    h("button", { type: "submit", class: "button", t: "review.sampleButton" }));

  async function show(request, errors, fields) {
    for (const f of fields) f.clearError();
    result.replaceChildren();
    try {
      render(await request());
    } catch (error) {
      const target = fields.find((f) => f.name === error?.field);
      if (target) target.showError({ text: errorMessage(error, "span") });
      else result.replaceChildren(errorMessage(error));
      if (target) errorSummary(errors, "review.errorsTitle", [{ field: target, text: errorMessage(error, "span") }]);
    }
  }

  function render(body) {
    const records = body.records;
    if (!records.length) {
      result.replaceChildren(h("p", { role: "status", t: "review.none" }));
      return;
    }
    const head = ["at", "who", "role", "case", "patient", "action", "ground"]
      .map((c) => h("th", { scope: "col", t: `review.col.${c}` }));
    result.replaceChildren(
      h("p", { role: "status", t: "review.count", vars: { n: records.length } }),
      h("div", { class: "table-wrap" }, h("table", { class: "review-records" },
        h("caption", { t: "review.caption" }),
        h("thead", {}, h("tr", {}, head)),
        h("tbody", {}, records.map((r) => h("tr", {},
          h("td", {}, timeEl(r.at)),
          h("td", {}, `${r.actor_name} (${r.actor})`),
          h("td", {}, r.actor_roles.map((role, i) => [i ? ", " : "", codeLabel("profession", role)])),
          h("td", {}, r.case_id || "–"),
          h("td", {}, h("code", {}, r.patient_ref.slice(0, 12))),
          h("td", { l: r.action_text }),
          h("td", { l: r.ground_text })))))));
  }

  const period = (f, t) => [["from", f.control.value], ["to", t.control.value]].filter(([, v]) => v);

  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    errorSummary(searchErrors, "review.errorsTitle", []);
    const text = value.control.value.trim();
    if (!text) {
      value.showError({ key: "review.err.value" });
      errorSummary(searchErrors, "review.errorsTitle", [{ field: value, key: "review.err.value" }]);
      return;
    }
    const query = new URLSearchParams([[by.control.value, text], ...period(from, to)]);
    show(() => ctx.api.get(`${base}?${query}`), searchErrors, [value, from, to]);
  });

  sampleForm.addEventListener("submit", (event) => {
    event.preventDefault();
    errorSummary(sampleErrors, "review.errorsTitle", []);
    const n = Number(size.control.value);
    if (!Number.isInteger(n) || n < 1 || n > 100) {
      size.showError({ key: "review.err.size" });
      errorSummary(sampleErrors, "review.errorsTitle", [{ field: size, key: "review.err.size" }]);
      return;
    }
    const body = { size: n, ...Object.fromEntries(period(sampleFrom, sampleTo)) };
    show(() => ctx.api.post(`${base}/sample`, body), sampleErrors, [size, sampleFrom, sampleTo]);
  });

  ctx.main.append(h("div", { class: "review-forms" }, searchForm, sampleForm), result);
}
