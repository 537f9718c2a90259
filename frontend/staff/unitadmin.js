// Enhetsadministration (#/enhet/<unit>): the unit's administrators keep its settings (name, address, phone and phone
// hours, opening hours per channel, professions offered, minutes per case) and who works there as what, without a
// developer. GET/PUT /staff/units/{unit}/settings (PUT at the version shown: 409 names who changed it meanwhile) and
// PUT /staff/units/{unit}/staff/{hsa_id} (exactly these roles; none: no longer works here). Every change is listed
// with who and when (docs/administration.md).

import { codeLabel, errorMessage, h, timeEl, uniqueId } from "/shared/dom.js";
import { errorSummary, field } from "/shared/forms.js";
import { addStrings } from "/shared/i18n.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const CHANNELS = ["chat", "video", "physical", "phone"];
const PROFESSIONS = ["nurse", "doctor", "midwife", "psychologist", "physiotherapist", "occupational_therapist",
  "counsellor", "dietitian", "medical_secretary"];
const ROLES = [...PROFESSIONS, "admin", "coordinator"];
const INTERVAL = /^([01]\d|2[0-3]):[0-5]\d\s*[–-]\s*(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

addStrings({
  sv: {
    "nav.unitAdmin": "Enhet",
    "unitAdmin.title": "Enhetsadministration",
    "unitAdmin.notAdmin": "Enhetsadministration är för enhetens administratörer.",
    "unitAdmin.settings": "Enhetens uppgifter",
    "unitAdmin.name": "Namn",
    "unitAdmin.address": "Adress",
    "unitAdmin.phone": "Telefonnummer",
    "unitAdmin.phoneHoursSv": "Telefontider (svenska)",
    "unitAdmin.phoneHoursEn": "Telefontider (engelska)",
    "unitAdmin.phoneHoursHint": "Till exempel: vardagar 08.00–10.00. Fyll i båda eller inget.",
    "unitAdmin.minutes": "Minuter per ärende (för väntetidsuppskattningen)",
    "unitAdmin.minutesHint": "Tomt: uppskattas från hur snabbt ärenden har besvarats.",
    "unitAdmin.professions": "Yrkesroller som enheten erbjuder",
    "unitAdmin.hours": "Öppettider",
    "unitAdmin.hoursLead": "Svensk tid. Skriv tiderna som 08:00–12:00, flera med komma. Tomt: stängt den dagen.",
    "unitAdmin.channel.chat": "Chatt",
    "unitAdmin.channel.video": "Video",
    "unitAdmin.channel.physical": "Besök",
    "unitAdmin.channel.phone": "Telefon",
    "unitAdmin.day.mon": "Måndag", "unitAdmin.day.tue": "Tisdag", "unitAdmin.day.wed": "Onsdag",
    "unitAdmin.day.thu": "Torsdag", "unitAdmin.day.fri": "Fredag", "unitAdmin.day.sat": "Lördag",
    "unitAdmin.day.sun": "Söndag",
    "unitAdmin.save": "Spara ändringarna",
    "unitAdmin.saved": "Ändringarna är sparade.",
    "unitAdmin.noChange": "Inget var ändrat.",
    "unitAdmin.lastChanged": (v) => `Senast ändrad av ${v.name}.`,
    "unitAdmin.reload": "Ladda om uppgifterna",
    "unitAdmin.errorsTitle": "Ändringarna kunde inte sparas",
    "unitAdmin.err.required": "Fyll i fältet.",
    "unitAdmin.err.interval": "Skriv tiderna som 08:00–12:00, flera med komma.",
    "unitAdmin.err.professions": "Välj minst en yrkesroll.",
    "unitAdmin.err.phoneHours": "Fyll i telefontiderna på både svenska och engelska, eller inget av dem.",
    "unitAdmin.err.minutes": "Ange ett antal minuter mellan 1 och 240, eller lämna tomt.",
    "unitAdmin.staff": "Personal",
    "unitAdmin.staffCaption": "Personal och roller på enheten",
    "unitAdmin.col.name": "Namn",
    "unitAdmin.col.hsa": "HSA-id",
    "unitAdmin.col.roles": "Roller",
    "unitAdmin.roles": "Roller för en medarbetare",
    "unitAdmin.rolesLead": "Välj en medarbetare, eller skriv HSA-id och namn för en ny. Bockar du ur alla roller "
      + "arbetar personen inte längre på enheten. En roll som tas bort gäller direkt: personen loggas ut.",
    "unitAdmin.person": "Medarbetare",
    "unitAdmin.newPerson": "Ny medarbetare",
    "unitAdmin.hsa": "HSA-id",
    "unitAdmin.hsaHint": "Till exempel SE2321000057-S011.",
    "unitAdmin.personName": "Namn",
    "unitAdmin.roleChoice": "Roller på enheten",
    "unitAdmin.saveRoles": "Spara rollerna",
    "unitAdmin.rolesSaved": (v) => `Rollerna för ${v.name} är sparade.`,
    "unitAdmin.rolesSame": (v) => `${v.name} hade redan de rollerna.`,
    "unitAdmin.loggedOut": (v) => (v.n === 1 ? "Personen loggades ut från 1 inloggning."
      : `Personen loggades ut från ${v.n} inloggningar.`),
    "unitAdmin.err.hsa": "Ange ett HSA-id, till exempel SE2321000057-S011.",
    "unitAdmin.rolesErrorsTitle": "Rollerna kunde inte sparas",
    "unitAdmin.changes": "Senaste ändringar",
    "unitAdmin.noChanges": "Inga ändringar sedan enheten lades upp.",
    "unitAdmin.changedSettings": "ändrade",
    "unitAdmin.gaveRoles": (v) => `gav ${v.staff} rollerna`,
    "unitAdmin.removed": (v) => `tog bort ${v.staff} från enheten`,
    "unitAdmin.field.name": "namnet", "unitAdmin.field.address": "adressen", "unitAdmin.field.phone": "telefonnumret",
    "unitAdmin.field.phone_hours": "telefontiderna", "unitAdmin.field.opening_hours": "öppettiderna",
    "unitAdmin.field.professions": "yrkesrollerna", "unitAdmin.field.minutes_per_case": "minuter per ärende",
    "profession.coordinator": "Samordnare",
    "profession.occupational_therapist": "Arbetsterapeut",
    "profession.counsellor": "Kurator",
    "profession.dietitian": "Dietist",
    "profession.admin": "Administratör",
  },
  en: {
    "nav.unitAdmin": "Unit",
    "unitAdmin.title": "Unit administration",
    "unitAdmin.notAdmin": "Unit administration is for the unit's administrators.",
    "unitAdmin.settings": "The unit's details",
    "unitAdmin.name": "Name",
    "unitAdmin.address": "Address",
    "unitAdmin.phone": "Phone number",
    "unitAdmin.phoneHoursSv": "Phone hours (Swedish)",
    "unitAdmin.phoneHoursEn": "Phone hours (English)",
    "unitAdmin.phoneHoursHint": "For example: weekdays 8–10 am. Fill in both or neither.",
    "unitAdmin.minutes": "Minutes per case (for the waiting time estimate)",
    "unitAdmin.minutesHint": "Empty: estimated from how quickly cases have been answered.",
    "unitAdmin.professions": "Professions the unit offers",
    "unitAdmin.hours": "Opening hours",
    "unitAdmin.hoursLead": "Swedish time. Write the times as 08:00–12:00, several separated by commas. Empty: "
      + "closed that day.",
    "unitAdmin.channel.chat": "Chat",
    "unitAdmin.channel.video": "Video",
    "unitAdmin.channel.physical": "Visits",
    "unitAdmin.channel.phone": "Phone",
    "unitAdmin.day.mon": "Monday", "unitAdmin.day.tue": "Tuesday", "unitAdmin.day.wed": "Wednesday",
    "unitAdmin.day.thu": "Thursday", "unitAdmin.day.fri": "Friday", "unitAdmin.day.sat": "Saturday",
    "unitAdmin.day.sun": "Sunday",
    "unitAdmin.save": "Save the changes",
    "unitAdmin.saved": "The changes are saved.",
    "unitAdmin.noChange": "Nothing was changed.",
    "unitAdmin.lastChanged": (v) => `Last changed by ${v.name}.`,
    "unitAdmin.reload": "Load the details again",
    "unitAdmin.errorsTitle": "The changes could not be saved",
    "unitAdmin.err.required": "Fill in the field.",
    "unitAdmin.err.interval": "Write the times as 08:00–12:00, several separated by commas.",
    "unitAdmin.err.professions": "Choose at least one profession.",
    "unitAdmin.err.phoneHours": "Fill in the phone hours in both Swedish and English, or neither.",
    "unitAdmin.err.minutes": "Enter a number of minutes between 1 and 240, or leave it empty.",
    "unitAdmin.staff": "Staff",
    "unitAdmin.staffCaption": "Staff and roles at the unit",
    "unitAdmin.col.name": "Name",
    "unitAdmin.col.hsa": "HSA-id",
    "unitAdmin.col.roles": "Roles",
    "unitAdmin.roles": "Roles of a staff member",
    "unitAdmin.rolesLead": "Choose a staff member, or enter the HSA-id and name of someone new. Untick every role and "
      + "the person no longer works at the unit. A role taken away applies at once: the person is logged out.",
    "unitAdmin.person": "Staff member",
    "unitAdmin.newPerson": "New staff member",
    "unitAdmin.hsa": "HSA-id",
    "unitAdmin.hsaHint": "For example SE2321000057-S011.",
    "unitAdmin.personName": "Name",
    "unitAdmin.roleChoice": "Roles at the unit",
    "unitAdmin.saveRoles": "Save the roles",
    "unitAdmin.rolesSaved": (v) => `The roles of ${v.name} are saved.`,
    "unitAdmin.rolesSame": (v) => `${v.name} already had those roles.`,
    "unitAdmin.loggedOut": (v) => (v.n === 1 ? "The person was logged out of 1 session."
      : `The person was logged out of ${v.n} sessions.`),
    "unitAdmin.err.hsa": "Enter an HSA-id, for example SE2321000057-S011.",
    "unitAdmin.rolesErrorsTitle": "The roles could not be saved",
    "unitAdmin.changes": "Latest changes",
    "unitAdmin.noChanges": "No changes since the unit was set up.",
    "unitAdmin.changedSettings": "changed",
    "unitAdmin.gaveRoles": (v) => `gave ${v.staff} the roles`,
    "unitAdmin.removed": (v) => `removed ${v.staff} from the unit`,
    "unitAdmin.field.name": "the name", "unitAdmin.field.address": "the address",
    "unitAdmin.field.phone": "the phone number", "unitAdmin.field.phone_hours": "the phone hours",
    "unitAdmin.field.opening_hours": "the opening hours", "unitAdmin.field.professions": "the professions",
    "unitAdmin.field.minutes_per_case": "minutes per case",
    "profession.coordinator": "Coordinator",
    "profession.occupational_therapist": "Occupational therapist",
    "profession.counsellor": "Counsellor",
    "profession.dietitian": "Dietitian",
    "profession.admin": "Administrator",
  },
});

const text = (value = "") => h("input", { type: "text", value, autocomplete: "off" });

/** "08:00–12:00, 13:00–16:30" ⇄ [["08:00","12:00"],["13:00","16:30"]]. */
const showIntervals = (intervals = []) => intervals.map(([a, b]) => `${a}–${b}`).join(", ");
function parseIntervals(value) {
  const parts = value.split(",").map((p) => p.trim()).filter(Boolean);
  if (!parts.every((p) => INTERVAL.test(p))) return null;
  return parts.map((p) => p.split(/\s*[–-]\s*/));
}

function checkboxes(name, codes, chosen, legendKey) {
  const boxes = codes.map((code) => {
    const id = uniqueId(`${name}-${code}`);
    const box = h("input", { type: "checkbox", id, name, value: code });
    box.checked = chosen.includes(code);
    return { code, box, el: h("div", { class: "check" }, box, h("label", { for: id }, codeLabel("profession", code))) };
  });
  const legendId = uniqueId(`${name}-legend`);
  const error = h("p", { class: "field-error", hidden: true, id: `${legendId}-error` });
  const el = h("fieldset", { class: "field checkbox-group", "aria-describedby": `${legendId}-error` },
    h("legend", { id: legendId, t: legendKey }), error, boxes.map((b) => b.el));
  return {
    el, name, boxes, control: boxes[0].box,
    value: () => boxes.filter((b) => b.box.checked).map((b) => b.code),
    set: (codes) => boxes.forEach((b) => { b.box.checked = codes.includes(b.code); }),
    showError: ({ key, text: message }) => {
      error.replaceChildren(key ? h("span", { t: key }) : message);
      error.hidden = false;
    },
    clearError: () => { error.hidden = true; },
  };
}

export async function unitAdminView(ctx, unitId) {
  ctx.setTitle("unitAdmin.title");
  ctx.main.append(h("h1", { tabindex: "-1", t: "unitAdmin.title" }));
  const me = await ctx.me();
  if (!me.roles.some((r) => r.unit_id === unitId && r.role === "admin")) {
    ctx.main.append(h("p", { t: "unitAdmin.notAdmin" }));
    return;
  }
  const base = `/staff/units/${encodeURIComponent(unitId)}`;
  let view = await ctx.api.get(`${base}/settings`);
  const lead = h("p", { class: "lead" });
  const settingsArea = h("div");
  const staffArea = h("div");
  const changesArea = h("section", { class: "card unit-changes", "aria-labelledby": "unit-changes-title" });
  ctx.main.append(lead, settingsArea, staffArea, changesArea);

  function render() {
    lead.textContent = view.name;
    settingsArea.replaceChildren(settingsForm());
    staffArea.replaceChildren(staffSection());
    renderChanges();
  }

  // --- the unit's details and opening hours ---
  function settingsForm() {
    const errors = h("div");
    const status = h("p", { role: "status", class: "save-status" });
    const name = field({ name: "name", labelKey: "unitAdmin.name", control: text(view.name) });
    const address = field({ name: "address", labelKey: "unitAdmin.address", control: text(view.address) });
    const phone = field({ name: "phone", labelKey: "unitAdmin.phone",
      control: h("input", { type: "tel", value: view.phone || "", autocomplete: "off" }) });
    const hoursSv = field({ name: "phone_hours_sv", labelKey: "unitAdmin.phoneHoursSv", hintKey: "unitAdmin.phoneHoursHint",
      control: text(view.phone_hours?.sv || "") });
    const hoursEn = field({ name: "phone_hours_en", labelKey: "unitAdmin.phoneHoursEn",
      control: text(view.phone_hours?.en || "") });
    const minutes = field({ name: "minutes_per_case", labelKey: "unitAdmin.minutes", hintKey: "unitAdmin.minutesHint",
      control: h("input", { type: "number", min: "1", max: "240", step: "any", inputmode: "decimal",
        value: view.minutes_per_case ?? "" }) });
    const professions = checkboxes("professions", PROFESSIONS, view.professions || [], "unitAdmin.professions");
    const days = [];
    const channelSets = CHANNELS.map((channel) => {
      const legendId = uniqueId(`hours-${channel}`);
      const inputs = DAYS.map((day) => {
        const f = field({ name: `opening_hours.${channel}.${day}`, labelKey: `unitAdmin.day.${day}`,
          control: text(showIntervals(view.opening_hours?.[channel]?.[day])) });
        days.push({ channel, day, f });
        return f.el;
      });
      return h("fieldset", { class: "hours-channel", "aria-labelledby": legendId },
        h("legend", { id: legendId, t: `unitAdmin.channel.${channel}` }), inputs);
    });
    const titleId = uniqueId("unit-settings");
    const form = h("form", { class: "card unit-settings", novalidate: true, "aria-labelledby": titleId },
      h("h2", { id: titleId, t: "unitAdmin.settings" }),
      view.changed_by_name ? h("p", { class: "hint" }, h("span", { t: "unitAdmin.lastChanged",
        vars: { name: view.changed_by_name } }), " ", view.changed_at ? timeEl(view.changed_at) : null) : null,
      errors, name.el, address.el, phone.el, hoursSv.el, hoursEn.el, minutes.el, professions.el,
      h("h3", { t: "unitAdmin.hours" }), h("p", { class: "hint", t: "unitAdmin.hoursLead" }),
      h("div", { class: "hours-grid" }, channelSets),
      h("button", { type: "submit", class: "button", t: "unitAdmin.save" }), status);
    const all = [name, address, phone, hoursSv, hoursEn, minutes, professions, ...days.map((d) => d.f)];

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.replaceChildren();
      for (const f of all) f.clearError();
      const problems = [];
      const need = (f) => { if (!f.control.value.trim()) problems.push({ field: f, key: "unitAdmin.err.required" }); };
      need(name); need(address); need(phone);
      const opening = {};
      for (const { channel, day, f } of days) {
        const value = f.control.value.trim();
        if (!value) continue;
        const intervals = parseIntervals(value);
        if (!intervals) problems.push({ field: f, key: "unitAdmin.err.interval" });
        else (opening[channel] ||= {})[day] = intervals;
      }
      if (!professions.value().length) problems.push({ field: professions, key: "unitAdmin.err.professions" });
      const sv = hoursSv.control.value.trim();
      const en = hoursEn.control.value.trim();
      if (Boolean(sv) !== Boolean(en)) problems.push({ field: sv ? hoursEn : hoursSv, key: "unitAdmin.err.phoneHours" });
      const perCase = minutes.control.value.trim();
      if (perCase && !(Number(perCase) > 0 && Number(perCase) <= 240)) {
        problems.push({ field: minutes, key: "unitAdmin.err.minutes" });
      }
      for (const p of problems) p.field.showError({ key: p.key });
      errorSummary(errors, "unitAdmin.errorsTitle", problems);
      if (problems.length) return;
      const body = {
        version: view.version, name: name.control.value.trim(), address: address.control.value.trim(),
        phone: phone.control.value.trim(), opening_hours: opening, professions: professions.value(),
        ...(sv ? { phone_hours: { sv, en } } : {}), ...(perCase ? { minutes_per_case: Number(perCase) } : {}),
      };
      try {
        const before = view.version;
        view = await ctx.api.request("PUT", `${base}/settings`, { body, idempotent: true });
        render();
        const after = settingsArea.querySelector(".save-status");
        after.replaceChildren(h("span", { t: view.version === before ? "unitAdmin.noChange" : "unitAdmin.saved" }));
      } catch (error) {
        const target = all.find((f) => error?.field && (f.name === error.field || error.field.startsWith(`${f.name}`)));
        const message = errorMessage(error, "span");
        if (target) target.showError({ text: errorMessage(error, "span") });
        errorSummary(errors, "unitAdmin.errorsTitle", [{ field: target || name, text: message }]);
        if (error?.status === 409) {
          errors.append(h("button", { type: "button", class: "button-secondary", t: "unitAdmin.reload",
            on: { click: async () => { view = await ctx.api.get(`${base}/settings`); render(); } } }));
        }
      }
    });
    return form;
  }

  // --- staff and roles ---
  function staffSection() {
    const head = ["name", "hsa", "roles"].map((c) => h("th", { scope: "col", t: `unitAdmin.col.${c}` }));
    const table = h("div", { class: "table-wrap" }, h("table", { class: "unit-staff" },
      h("caption", { t: "unitAdmin.staffCaption" }),
      h("thead", {}, h("tr", {}, head)),
      h("tbody", {}, view.staff.map((s) => h("tr", { dataset: { hsa: s.hsa_id } },
        h("td", {}, s.name), h("td", {}, h("code", {}, s.hsa_id)),
        h("td", {}, s.roles.map((r, i) => [i ? ", " : "", codeLabel("profession", r)])))))));

    const errors = h("div");
    const status = h("p", { role: "status" });
    const person = field({ name: "person", labelKey: "unitAdmin.person", control: h("select", {},
      h("option", { value: "", t: "unitAdmin.newPerson" }),
      view.staff.map((s) => h("option", { value: s.hsa_id }, `${s.name} (${s.hsa_id})`))) });
    const hsa = field({ name: "hsa_id", labelKey: "unitAdmin.hsa", hintKey: "unitAdmin.hsaHint",
      control: h("input", { type: "text", autocomplete: "off", spellcheck: "false" }) });
    const personName = field({ name: "name", labelKey: "unitAdmin.personName", control: text() });
    const roles = checkboxes("roles", ROLES, [], "unitAdmin.roleChoice");
    const choose = () => {
      const chosen = view.staff.find((s) => s.hsa_id === person.control.value);
      hsa.el.hidden = Boolean(chosen);
      personName.el.hidden = Boolean(chosen);
      roles.set(chosen ? chosen.roles : []);
    };
    person.control.addEventListener("change", choose);
    const titleId = uniqueId("unit-roles");
    const form = h("form", { class: "card unit-roles", novalidate: true, "aria-labelledby": titleId },
      h("h2", { id: titleId, t: "unitAdmin.roles" }), h("p", { class: "hint", t: "unitAdmin.rolesLead" }),
      errors, person.el, hsa.el, personName.el, roles.el,
      h("button", { type: "submit", class: "button", t: "unitAdmin.saveRoles" }), status);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.replaceChildren();
      for (const f of [hsa, personName, roles]) f.clearError();
      const chosen = view.staff.find((s) => s.hsa_id === person.control.value);
      const id = chosen ? chosen.hsa_id : hsa.control.value.trim();
      const problems = [];
      if (!chosen && !/^SE\d{10}-[A-Za-z0-9]{1,31}$/.test(id)) problems.push({ field: hsa, key: "unitAdmin.err.hsa" });
      if (!chosen && !personName.control.value.trim()) problems.push({ field: personName, key: "unitAdmin.err.required" });
      for (const p of problems) p.field.showError({ key: p.key });
      errorSummary(errors, "unitAdmin.rolesErrorsTitle", problems);
      if (problems.length) return;
      try {
        const payload = { name: chosen ? chosen.name : personName.control.value.trim(), roles: roles.value() };
        const saved = await ctx.api.request("PUT", `${base}/staff/${encodeURIComponent(id)}`,
          { body: payload, idempotent: true });
        view = await ctx.api.get(`${base}/settings`);
        render();
        const said = staffArea.querySelector(".unit-roles [role=status]");
        said.replaceChildren(h("span", { t: saved.changed ? "unitAdmin.rolesSaved" : "unitAdmin.rolesSame",
          vars: { name: saved.staff.name } }),
        ...(saved.sessions_ended ? [" ", h("span", { t: "unitAdmin.loggedOut", vars: { n: saved.sessions_ended } })]
          : []));
      } catch (error) {
        const target = { hsa_id: hsa, name: personName, roles }[error?.field] || roles;
        target.showError({ text: errorMessage(error, "span") });
        errorSummary(errors, "unitAdmin.rolesErrorsTitle", [{ field: target, text: errorMessage(error, "span") }]);
      }
    });
    return h("section", { class: "unit-staff-area", "aria-labelledby": "unit-staff-title" },
      h("h2", { id: "unit-staff-title", t: "unitAdmin.staff" }), table, form);
  }

  // --- the history ---
  function renderChanges() {
    const list = (codes, label) => codes.map((code, i) => [i ? ", " : "", label(code)]);
    const items = view.changes.map((c) => {
      const staff = c.staff_name || c.staff;
      const line = c.what === "settings"
        ? [h("span", { t: "unitAdmin.changedSettings" }), " ",
          list(c.fields, (f) => h("span", { t: `unitAdmin.field.${f}` }))]
        : c.roles?.length
          ? [h("span", { t: "unitAdmin.gaveRoles", vars: { staff } }), ": ", list(c.roles, (r) => codeLabel("profession", r))]
          : h("span", { t: "unitAdmin.removed", vars: { staff } });
      return h("li", {}, timeEl(c.at), " ", h("strong", {}, c.by_name), " ", line, ".");
    });
    changesArea.replaceChildren(h("h2", { id: "unit-changes-title", t: "unitAdmin.changes" }),
      items.length ? h("ul", { class: "change-list" }, items) : h("p", { t: "unitAdmin.noChanges" }));
  }

  render();
}
