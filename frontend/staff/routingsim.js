// Ruttningssimulator (#/region/ruttning): a region administrator picks how a citizen comes in (region-wide, a unit's
// link, a unit's link for a profession, the regional app, chosen in the list, a phone call's SMS link), the citizen's
// listed unit, a day and time (Swedish time: sent with the offset of that date, summer time included), the triage
// outcome, and units to treat as full, and sees where the case would land, by which rule, why, and every unit
// considered in order with why it was taken or passed — the same routing function as live cases. The region's rules
// and each unit's professions, capacity and queue are shown beside it. GET /staff/region/routing;
// POST /staff/region/routing/simulate (reads no patient data, writes nothing). docs/operations.md, "Routing".

import { codeLabel, errorMessage, h, priorityBadge, timeEl, uniqueId } from "/shared/dom.js";
import { choiceGroup, errorSummary, field } from "/shared/forms.js";
import { addStrings } from "/shared/i18n.js";
import { regionAdminAccess } from "./regionadmin.js";

// The triage's professions and dispositions (chalicelib/triage/outcome.py): what an outcome can be.
const PROFESSIONS = ["nurse", "doctor", "psychologist", "physiotherapist", "midwife", "medical_secretary"];
const DISPOSITIONS = ["chat", "video", "physical", "self_care", "call_1177", "emergency_department", "emergency_112"];
const PRIORITIES = ["P1", "P2", "P3", "P4", "P5"];
// The page's entries; "link_profession" is a unit's link that names one of its professions.
const ENTRIES = ["region", "unit_link", "link_profession", "app", "chosen", "phone"];
const RULES = ["phone_invite", "p5_pool", "entry_unit", "listed_unit", "fallback", "region_unit", "all_full",
  "after_hours", "no_unit", "record_only"];
const REASONS = ["taken", "unknown_unit", "no_profession", "closed", "full", "not_reached"];
const ZONE = "Europe/Stockholm";

addStrings({
  sv: {
    "routingSim.title": "Ruttningssimulator",
    "routingSim.lead": "Pröva regionens regler: välj hur invånaren kommer in, var hen är listad, när och vad "
      + "triageringen gav, och se var ärendet hamnar och varför. Samma regler som för riktiga ärenden; inget sparas.",
    "routingSim.back": "Tillbaka till regionadministrationen",
    "routingSim.form": "Ett tänkt ärende",
    "routingSim.entryGroup": "Ingång",
    "routingSim.entry": "Hur invånaren kommer in",
    "routingSim.entry.region": "Via regionen (som från 1177.se)",
    "routingSim.entry.unit_link": "En mottagnings länk",
    "routingSim.entry.link_profession": "En mottagnings länk för en yrkesgrupp",
    "routingSim.entry.app": "Regionens app",
    "routingSim.entry.chosen": "Vald i listan",
    "routingSim.entry.phone": "Sms-länk från ett telefonsamtal",
    "routingSim.unit": "Mottagning",
    "routingSim.linkProfession": "Länkens yrkesgrupp",
    "routingSim.listed": "Invånarens listning",
    "routingSim.notListed": "Inte listad",
    "routingSim.day": "Dag",
    "routingSim.time": "Tid",
    "routingSim.timeHint": "Svensk tid. Sommartid räknas in.",
    "routingSim.outcome": "Triageringens utfall",
    "routingSim.disposition": "Vårdnivå",
    "routingSim.priority": "Prioritet",
    "routingSim.profession": "Yrkesgrupp",
    "routingSim.full": "Behandla som fulla",
    "routingSim.fullHint": "De här mottagningarna räknas som fulla för alla yrkesgrupper. Övrigas köer läses som de "
      + "är nu.",
    "routingSim.submit": "Simulera",
    "routingSim.errorsTitle": "Simuleringen kunde inte göras",
    "routingSim.err.unit": "Välj mottagningen.",
    "routingSim.err.profession": "Välj länkens yrkesgrupp.",
    "routingSim.err.day": "Välj en dag.",
    "routingSim.err.time": "Ange tiden som TT:MM, till exempel 22:00.",
    "routingSim.result": "Resultat",
    "routingSim.resultEmpty": "Fyll i ärendet och välj Simulera.",
    "routingSim.lands": "Ärendet hamnar hos",
    "routingSim.rule": "Regel",
    "routingSim.why": "Förklaring",
    "routingSim.when": "Skickas",
    "routingSim.deadline": "Första kontakt senast",
    "routingSim.redirected": "Vårdnivå efter ruttningen",
    "routingSim.considered": "Prövade mottagningar i ordning",
    "routingSim.noneConsidered": "Ingen mottagning behövde prövas.",
    "routingSim.rule.phone_invite": "Mottagningen som skickade sms-länken",
    "routingSim.rule.p5_pool": "Regionens mottagning för P5 (Avvakta)",
    "routingSim.rule.entry_unit": "Mottagningen invånaren kom via",
    "routingSim.rule.listed_unit": "Vårdcentralen invånaren är listad på",
    "routingSim.rule.fallback": "Regionens reserv",
    "routingSim.rule.region_unit": "En annan mottagning i regionen med yrkesgruppen",
    "routingSim.rule.all_full": "Alla har fullt: den första av dem",
    "routingSim.rule.after_hours": "Efter öppettid: regionens regel",
    "routingSim.rule.no_unit": "Ingen mottagning i Nära: ring 1177",
    "routingSim.rule.record_only": "Behöver ingen mottagning: bara registrering",
    "routingSim.reason.taken": "Tog ärendet",
    "routingSim.reason.unknown_unit": "Finns inte i Nära",
    "routingSim.reason.no_profession": "Saknar yrkesgruppen",
    "routingSim.reason.closed": "Stängd",
    "routingSim.reason.full": "Full",
    "routingSim.reason.not_reached": "Prövades inte",
    "routingSim.rules": "Regionens regler",
    "routingSim.rulesCaption": "Regionens ruttningsregler just nu",
    "routingSim.col.rule": "Regel",
    "routingSim.col.value": "Inställning",
    "routingSim.fallbacks": "Reserv, i ordning",
    "routingSim.noFallbacks": "Ingen reserv",
    "routingSim.allProfessions": "alla yrkesgrupper",
    "routingSim.allPriorities": "alla prioriteter",
    "routingSim.p5Pool": "Mottagning för P5 (Avvakta)",
    "routingSim.none": "Ingen",
    "routingSim.afterHours": "Efter öppettid",
    "routingSim.afterHours.call_1177": "Ring 1177 (P1: ring 112)",
    "routingSim.afterHours.jourcentral": (v) => `Jourcentralen ${v.unit} (P1: ring 112)`,
    "routingSim.units": "Mottagningar just nu",
    "routingSim.unitsCaption": "Regionens mottagningar: yrkesgrupper, tak och kö just nu",
    "routingSim.col.unit": "Mottagning",
    "routingSim.col.professions": "Yrkesgrupper",
    "routingSim.col.capacity": "Tak (väntande ärenden)",
    "routingSim.col.waiting": "Väntar nu",
    "routingSim.noCapacity": "Inget tak",
    "routingSim.nobodyWaiting": "Ingen",
  },
  en: {
    "routingSim.title": "Routing simulator",
    "routingSim.lead": "Try the region's rules: choose how the citizen comes in, where they are listed, when, and what "
      + "the triage gave, and see where the case lands and why. The same rules as real cases; nothing is saved.",
    "routingSim.back": "Back to region administration",
    "routingSim.form": "A case to try",
    "routingSim.entryGroup": "Entry point",
    "routingSim.entry": "How the citizen comes in",
    "routingSim.entry.region": "Region-wide (as from 1177.se)",
    "routingSim.entry.unit_link": "A unit's link",
    "routingSim.entry.link_profession": "A unit's link for a profession",
    "routingSim.entry.app": "Regional app",
    "routingSim.entry.chosen": "Chosen in the list",
    "routingSim.entry.phone": "Phone call's SMS link",
    "routingSim.unit": "Unit",
    "routingSim.linkProfession": "The link's profession",
    "routingSim.listed": "The citizen's listing",
    "routingSim.notListed": "Not listed",
    "routingSim.day": "Day",
    "routingSim.time": "Time",
    "routingSim.timeHint": "Swedish time. Summer time is taken into account.",
    "routingSim.outcome": "The triage outcome",
    "routingSim.disposition": "Care level",
    "routingSim.priority": "Priority",
    "routingSim.profession": "Profession",
    "routingSim.full": "Treat as full",
    "routingSim.fullHint": "These units count as full for every profession. The others' queues are read as they are "
      + "now.",
    "routingSim.submit": "Simulate",
    "routingSim.errorsTitle": "The simulation could not be run",
    "routingSim.err.unit": "Choose the unit.",
    "routingSim.err.profession": "Choose the link's profession.",
    "routingSim.err.day": "Choose a day.",
    "routingSim.err.time": "Enter the time as HH:MM, for example 22:00.",
    "routingSim.result": "Result",
    "routingSim.resultEmpty": "Fill in the case and choose Simulate.",
    "routingSim.lands": "The case lands at",
    "routingSim.rule": "Rule",
    "routingSim.why": "Explanation",
    "routingSim.when": "Sent",
    "routingSim.deadline": "First contact at the latest",
    "routingSim.redirected": "Care level after routing",
    "routingSim.considered": "Units considered, in order",
    "routingSim.noneConsidered": "No unit needed to be considered.",
    "routingSim.rule.phone_invite": "The unit that sent the SMS link",
    "routingSim.rule.p5_pool": "The region's unit for P5 (wait)",
    "routingSim.rule.entry_unit": "The unit the citizen came by",
    "routingSim.rule.listed_unit": "The citizen's listed health centre",
    "routingSim.rule.fallback": "The region's fallback",
    "routingSim.rule.region_unit": "Another unit of the region with the profession",
    "routingSim.rule.all_full": "All full: the first of them",
    "routingSim.rule.after_hours": "After hours: the region's rule",
    "routingSim.rule.no_unit": "No unit in Nära: call 1177",
    "routingSim.rule.record_only": "Needs no unit: recorded only",
    "routingSim.reason.taken": "Took the case",
    "routingSim.reason.unknown_unit": "Not in Nära",
    "routingSim.reason.no_profession": "Lacks the profession",
    "routingSim.reason.closed": "Closed",
    "routingSim.reason.full": "Full",
    "routingSim.reason.not_reached": "Not tried",
    "routingSim.rules": "The region's rules",
    "routingSim.rulesCaption": "The region's routing rules now",
    "routingSim.col.rule": "Rule",
    "routingSim.col.value": "Setting",
    "routingSim.fallbacks": "Fallbacks, in order",
    "routingSim.noFallbacks": "No fallback",
    "routingSim.allProfessions": "every profession",
    "routingSim.allPriorities": "every priority",
    "routingSim.p5Pool": "Unit for P5 (wait)",
    "routingSim.none": "None",
    "routingSim.afterHours": "After hours",
    "routingSim.afterHours.call_1177": "Call 1177 (P1: call 112)",
    "routingSim.afterHours.jourcentral": (v) => `The jourcentral ${v.unit} (P1: call 112)`,
    "routingSim.units": "Units now",
    "routingSim.unitsCaption": "The region's units: professions, capacity and queue now",
    "routingSim.col.unit": "Unit",
    "routingSim.col.professions": "Professions",
    "routingSim.col.capacity": "Capacity (cases waiting)",
    "routingSim.col.waiting": "Waiting now",
    "routingSim.noCapacity": "No cap",
    "routingSim.nobodyWaiting": "None",
  },
});

/** Minutes east of UTC that Swedish clocks show at the instant `ms`. */
function stockholmOffset(ms) {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).formatToParts(new Date(ms));
  const part = (type) => Number(parts.find((p) => p.type === type).value);
  const shown = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"));
  return Math.round((shown - Math.floor(ms / 60000) * 60000) / 60000);
}

/** "2025-03-15" and "22:00" in Swedish time as ISO 8601 with that date's offset: "2025-03-15T22:00:00+01:00". */
export function stockholmIso(day, clock) {
  const [year, month, date] = day.split("-").map(Number);
  const [hour, minute] = clock.split(":").map(Number);
  const asIfUtc = Date.UTC(year, month - 1, date, hour, minute);
  let offset = stockholmOffset(asIfUtc);
  offset = stockholmOffset(asIfUtc - offset * 60000); // the offset at the instant meant (twice: near a change)
  offset = stockholmOffset(asIfUtc - offset * 60000);
  const sign = offset < 0 ? "-" : "+";
  const pad = (n) => String(Math.abs(n)).padStart(2, "0");
  return `${day}T${pad(hour)}:${pad(minute)}:00${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

const stockholmNow = () => {
  const parts = new Intl.DateTimeFormat("sv-SE", { timeZone: ZONE, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).formatToParts(new Date());
  const part = (type) => parts.find((p) => p.type === type).value;
  return { day: `${part("year")}-${part("month")}-${part("day")}`, clock: `${part("hour")}:${part("minute")}` };
};

const option = (value, key, vars) => h("option", { value, t: key, vars });

export async function routingSimulatorView(ctx) {
  ctx.setTitle("routingSim.title");
  ctx.main.append(h("p", { class: "kicker" }, h("a", { href: "#/region", t: "routingSim.back" })),
    h("h1", { tabindex: "-1", t: "routingSim.title" }));
  if (!(await regionAdminAccess(ctx))) {
    ctx.main.append(h("p", { t: "regionAdmin.notAdmin" }));
    return;
  }
  const overview = await ctx.api.get("/staff/region/routing");
  const units = [...overview.units].sort((a, b) => a.name.localeCompare(b.name, "sv"));
  const byId = new Map(units.map((u) => [u.unit_id, u]));
  const nameOf = (unitId) => byId.get(unitId)?.name || unitId;

  // --- the form ---
  const errors = h("div");
  const entry = field({ name: "entry.via", labelKey: "routingSim.entry",
    control: h("select", {}, ENTRIES.map((e) => option(e, `routingSim.entry.${e}`))) });
  const unitSelect = field({ name: "entry.unit_id", labelKey: "routingSim.unit",
    control: h("select", {}, units.map((u) => h("option", { value: u.unit_id }, u.name))) });
  const linkProfession = field({ name: "entry.profession", labelKey: "routingSim.linkProfession",
    control: h("select") });
  const listed = field({ name: "listed_unit_id", labelKey: "routingSim.listed",
    control: h("select", {}, option("", "routingSim.notListed"),
      units.map((u) => h("option", { value: u.unit_id }, u.name))) });
  const now = stockholmNow();
  const day = field({ name: "at", labelKey: "routingSim.day",
    control: h("input", { type: "date", value: now.day, required: true }) });
  const clock = field({ name: "at_time", labelKey: "routingSim.time", hintKey: "routingSim.timeHint",
    control: h("input", { type: "time", value: now.clock, required: true }) });
  const disposition = field({ name: "outcome.disposition", labelKey: "routingSim.disposition",
    control: h("select", {}, DISPOSITIONS.map((d) => option(d, `vardniva.${d}`, { fallback: d }))) });
  const priority = field({ name: "outcome.priority", labelKey: "routingSim.priority",
    control: h("select", {}, PRIORITIES.map((p) => option(p, `priority.${p}`))) });
  priority.control.value = "P3";
  const profession = field({ name: "outcome.profession", labelKey: "routingSim.profession",
    control: h("select", {}, PROFESSIONS.map((p) => option(p, `profession.${p}`, { fallback: p }))) });
  const full = choiceGroup({ name: "full_units", type: "checkbox", codes: units.map((u) => u.unit_id),
    legendKey: "routingSim.full", hintKey: "routingSim.fullHint", className: "field checkbox-group", inline: true,
    labelFor: (code) => h("span", {}, nameOf(code)) });
  const all = [entry, unitSelect, linkProfession, listed, day, clock, disposition, priority, profession, full];

  function showWhatApplies() {
    const via = entry.control.value;
    unitSelect.el.hidden = via === "region";
    linkProfession.el.hidden = via !== "link_profession";
    const offered = PROFESSIONS.filter((p) => byId.get(unitSelect.control.value)?.professions.includes(p));
    const before = linkProfession.control.value;
    linkProfession.control.replaceChildren(...offered.map((p) => option(p, `profession.${p}`, { fallback: p })));
    if (offered.includes(before)) linkProfession.control.value = before;
    priority.el.hidden = disposition.control.value === "self_care";
  }
  entry.control.addEventListener("change", showWhatApplies);
  unitSelect.control.addEventListener("change", showWhatApplies);
  disposition.control.addEventListener("change", showWhatApplies);
  showWhatApplies();

  const group = (key, ...children) => {
    const id = uniqueId("routing-group");
    return h("fieldset", { class: "region-group", "aria-labelledby": id }, h("legend", { id, t: key }), children);
  };
  const formTitle = uniqueId("routing-form");
  const form = h("form", { class: "card routing-sim-form", novalidate: true, "aria-labelledby": formTitle },
    h("h2", { id: formTitle, t: "routingSim.form" }), errors,
    group("routingSim.entryGroup", entry.el, unitSelect.el, linkProfession.el),
    listed.el,
    h("div", { class: "routing-when" }, day.el, clock.el),
    group("routingSim.outcome", disposition.el, priority.el, profession.el),
    full.el,
    h("button", { type: "submit", class: "button", t: "routingSim.submit" }));

  // --- the result (announced when it comes) and the region's rules ---
  const resultTitle = uniqueId("routing-result");
  const result = h("div", { class: "routing-result-body", "aria-live": "polite" },
    h("p", { class: "hint", t: "routingSim.resultEmpty" }));
  const resultArea = h("section", { class: "card routing-result", "aria-labelledby": resultTitle },
    h("h2", { id: resultTitle, t: "routingSim.result" }), result);
  const rulesArea = h("section", { class: "routing-rules-area", "aria-labelledby": "routing-rules-title" });
  const unitsArea = h("section", { class: "routing-units-area", "aria-labelledby": "routing-units-title" });

  ctx.main.append(h("p", { class: "lead", t: "routingSim.lead" }),
    h("div", { class: "routing-sim" }, form, resultArea), rulesArea, unitsArea);

  const list = (items, empty) => (items.length ? items : [h("span", { t: empty })]);
  const joined = (nodes) => nodes.map((n, i) => [i ? ", " : "", n]);

  function renderRules(rules) {
    // a fallback's professions and priorities as labels (translated), not as codes
    const fallbacks = rules.fallbacks.map((f) => h("li", { dataset: { unit: f.unit_id } },
      h("strong", {}, nameOf(f.unit_id)), ": ",
      f.professions.length ? joined(f.professions.map((p) => codeLabel("profession", p)))
        : h("span", { t: "routingSim.allProfessions" }),
      "; ",
      f.priorities.length ? f.priorities.join(", ") : h("span", { t: "routingSim.allPriorities" })));
    const row = (key, value) => h("tr", {}, h("th", { scope: "row", t: key }), h("td", {}, value));
    rulesArea.replaceChildren(h("h2", { id: "routing-rules-title", t: "routingSim.rules" }),
      h("div", { class: "table-wrap" }, h("table", { class: "region-units routing-rules" },
        h("caption", { t: "routingSim.rulesCaption" }),
        h("thead", {}, h("tr", {}, h("th", { scope: "col", t: "routingSim.col.rule" }),
          h("th", { scope: "col", t: "routingSim.col.value" }))),
        h("tbody", {},
          row("routingSim.fallbacks", fallbacks.length ? h("ol", { class: "routing-fallbacks" }, fallbacks)
            : h("span", { t: "routingSim.noFallbacks" })),
          row("routingSim.p5Pool", rules.p5_pool ? nameOf(rules.p5_pool) : h("span", { t: "routingSim.none" })),
          row("routingSim.afterHours", h("span", { t: `routingSim.afterHours.${rules.after_hours}`,
            vars: { unit: rules.jourcentral ? nameOf(rules.jourcentral) : "" } }))))));
  }

  function renderUnits() {
    const counts = (map, empty) => {
      const entries = Object.entries(map || {});
      return list(joined(entries.map(([p, n]) => h("span", {}, codeLabel("profession", p), ` ${n}`))), empty);
    };
    unitsArea.replaceChildren(h("h2", { id: "routing-units-title", t: "routingSim.units" }),
      h("div", { class: "table-wrap" }, h("table", { class: "region-units routing-units" },
        h("caption", { t: "routingSim.unitsCaption" }),
        h("thead", {}, h("tr", {}, ["unit", "professions", "capacity", "waiting"]
          .map((c) => h("th", { scope: "col", t: `routingSim.col.${c}` })))),
        h("tbody", {}, units.map((u) => h("tr", { dataset: { unit: u.unit_id } },
          h("th", { scope: "row" }, u.name),
          h("td", {}, joined(u.professions.map((p) => codeLabel("profession", p)))),
          h("td", {}, counts(u.capacity, "routingSim.noCapacity")),
          h("td", {}, counts(u.waiting, "routingSim.nobodyWaiting"))))))));
  }

  function renderResult(answer, sent) {
    const fact = (key, ...value) => [h("dt", { t: key }), h("dd", {}, value)];
    const redirected = answer.disposition !== sent.outcome.disposition;
    result.replaceChildren(
      h("p", { class: "routing-lands" }, h("span", { t: "routingSim.lands" }), ": ",
        h("strong", { class: "routing-unit", dataset: { unit: answer.unit_id } }, nameOf(answer.unit_id))),
      h("dl", { class: "facts routing-facts" },
        fact("routingSim.rule", h("span", { class: "routing-rule", dataset: { rule: answer.rule },
          t: RULES.includes(answer.rule) ? `routingSim.rule.${answer.rule}` : undefined },
        RULES.includes(answer.rule) ? null : answer.rule)),
        fact("routingSim.why", h("span", { class: "routing-explanation", l: answer.explanation })),
        fact("routingSim.when", timeEl(sent.at)),
        answer.priority ? fact("routingSim.priority", priorityBadge(answer.priority)) : null,
        answer.deadline ? fact("routingSim.deadline", timeEl(answer.deadline)) : null,
        redirected ? fact("routingSim.redirected", codeLabel("vardniva", answer.disposition)) : null),
      h("h3", { t: "routingSim.considered" }),
      answer.considered.length
        ? h("ol", { class: "routing-considered-list" }, answer.considered.map((c) => h("li", {
          class: c.reason === "taken" ? "is-taken" : null, dataset: { unit: c.unit_id, rule: c.rule, reason: c.reason } },
        h("strong", { t: REASONS.includes(c.reason) ? `routingSim.reason.${c.reason}` : undefined },
          REASONS.includes(c.reason) ? null : c.reason), ": ",
        h("span", { l: c.text }))))
        : h("p", { t: "routingSim.noneConsidered" }));
    renderRules(answer.rules);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const f of all) f.clearError();
    const problems = [];
    const via = entry.control.value;
    if (via !== "region" && !unitSelect.control.value) problems.push({ field: unitSelect, key: "routingSim.err.unit" });
    if (via === "link_profession" && !linkProfession.control.value) {
      problems.push({ field: linkProfession, key: "routingSim.err.profession" });
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day.control.value)) problems.push({ field: day, key: "routingSim.err.day" });
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(clock.control.value.slice(0, 5))) {
      problems.push({ field: clock, key: "routingSim.err.time" });
    }
    for (const p of problems) p.field.showError({ key: p.key });
    errorSummary(errors, "routingSim.errorsTitle", problems);
    if (problems.length) return;
    const at = stockholmIso(day.control.value, clock.control.value.slice(0, 5));
    const selfCare = disposition.control.value === "self_care";
    const body = {
      entry: {
        via: via === "link_profession" ? "unit_link" : via,
        ...(via === "region" ? {} : { unit_id: unitSelect.control.value }),
        ...(via === "link_profession" ? { profession: linkProfession.control.value } : {}),
      },
      listed_unit_id: listed.control.value || null,
      at,
      outcome: { disposition: disposition.control.value, priority: selfCare ? null : priority.control.value,
        profession: profession.control.value },
      full_units: full.value(),
    };
    result.setAttribute("aria-busy", "true");
    try {
      const answer = await ctx.api.post("/staff/region/routing/simulate", body);
      renderResult(answer, body);
    } catch (error) {
      const named = { "entry.via": entry, "entry.unit_id": unitSelect, "entry.profession": linkProfession,
        listed_unit_id: listed, at: day, "outcome.disposition": disposition, "outcome.priority": priority,
        "outcome.profession": profession, full_units: full };
      const target = named[error?.field] || entry;
      target.showError({ text: errorMessage(error, "span") });
      errorSummary(errors, "routingSim.errorsTitle", [{ field: target, text: errorMessage(error, "span") }]);
    } finally {
      result.removeAttribute("aria-busy");
    }
  });

  renderRules(overview.rules);
  renderUnits();
}
