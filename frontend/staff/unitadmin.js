// Enhetsadministration (#/enhet/<unit>): the unit's administrators keep its settings (name, address, phone and phone
// hours, opening hours per channel, professions offered, minutes per case, and self-booking: the region's rule or
// one of the unit's own) and who works there as what, without a developer. GET/PUT /staff/units/{unit}/settings
// (PUT at the version shown: 409 names who changed it meanwhile) and PUT /staff/units/{unit}/staff/{hsa_id} (exactly
// these roles; none: no longer works here). Every change is listed with who and when — the settings, the roles and
// the unit's phrase templates (docs/administration.md). Its links into the citizen journey, QR codes and website
// snippet: entrylinks.js.

import { codeLabel, errorMessage, h, timeEl, uniqueId } from "/shared/dom.js";
import { choiceGroup, errorSummary, field } from "/shared/forms.js";
import { addStrings } from "/shared/i18n.js";
import { PROFESSIONS, codeChoice, lastChanged, loggedOut, openingHours, phoneHours, text } from "./adminforms.js";
import { entryLinksSection } from "./entrylinks.js";

const ROLES = [...PROFESSIONS, "admin", "coordinator"];
const PRIORITIES = ["P1", "P2", "P3", "P4", "P5"];

addStrings({
  sv: {
    "nav.unitAdmin": "Enhet",
    "unitAdmin.title": "Enhetsadministration",
    "unitAdmin.notAdmin": "Enhetsadministration är för enhetens administratörer.",
    "unitAdmin.settings": "Enhetens uppgifter",
    "unitAdmin.name": "Namn",
    "unitAdmin.address": "Adress",
    "unitAdmin.phone": "Telefonnummer",
    "unitAdmin.minutes": "Minuter per ärende (för väntetidsuppskattningen)",
    "unitAdmin.minutesHint": "Tomt: uppskattas från hur snabbt ärenden har besvarats.",
    "unitAdmin.professions": "Yrkesroller som enheten erbjuder",
    "unitAdmin.hours": "Öppettider",
    "unitAdmin.hoursLead": "Svensk tid. Skriv tiderna som 08:00–12:00, flera med komma. Tomt: stängt den dagen.",
    "unitAdmin.save": "Spara ändringarna",
    "unitAdmin.saved": "Ändringarna är sparade.",
    "unitAdmin.noChange": "Inget var ändrat.",
    "unitAdmin.reload": "Ladda om uppgifterna",
    "unitAdmin.errorsTitle": "Ändringarna kunde inte sparas",
    "unitAdmin.err.required": "Fyll i fältet.",
    "unitAdmin.err.professions": "Välj minst en yrkesroll.",
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
    "unitAdmin.field.self_booking": "egen bokning",
    "unitAdmin.booking": "Egen bokning (webbtidbok)",
    "unitAdmin.bookingLead": "Vilka yrkesroller och prioriteter invånaren själv får boka tid för efter bedömningen. "
      + "Enheten följer regionens regel om den inte har en egen.",
    "unitAdmin.bookingChoice": "Regel för enheten",
    "unitAdmin.booking.region": "Som regionen",
    "unitAdmin.booking.unit": "Egen regel för enheten",
    "unitAdmin.regionRule": "Regionens regel:",
    "unitAdmin.nothingBookable": "ingen egen bokning",
    "unitAdmin.cancelHours": (v) => `avbokning senast ${v.n} timmar innan`,
    "unitAdmin.bookProfessions": "Yrkesroller som går att boka själv",
    "unitAdmin.bookPriorities": "Prioriteter som går att boka själv",
    "unitAdmin.cancelLimit": "Timmar före besöket som invånaren kan avboka eller ändra",
    "unitAdmin.err.hours": "Ange ett helt antal timmar mellan 0 och 168.",
    "unitAdmin.templateCreated": (v) => `skapade frasmallen ”${v.title}”`,
    "unitAdmin.templateEdited": (v) => `ändrade frasmallen ”${v.title}”`,
    "unitAdmin.templateDeleted": (v) => `tog bort frasmallen ”${v.title}”`,
    "unitAdmin.part.title": "rubriken", "unitAdmin.part.text": "texten", "unitAdmin.part.language": "språket",
    "unitAdmin.part.tags": "taggarna",
    "unitAdmin.part.titleWas": (v) => `rubriken (var ”${v.was}”)`,
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
    "unitAdmin.minutes": "Minutes per case (for the waiting time estimate)",
    "unitAdmin.minutesHint": "Empty: estimated from how quickly cases have been answered.",
    "unitAdmin.professions": "Professions the unit offers",
    "unitAdmin.hours": "Opening hours",
    "unitAdmin.hoursLead": "Swedish time. Write the times as 08:00–12:00, several separated by commas. Empty: "
      + "closed that day.",
    "unitAdmin.save": "Save the changes",
    "unitAdmin.saved": "The changes are saved.",
    "unitAdmin.noChange": "Nothing was changed.",
    "unitAdmin.reload": "Load the details again",
    "unitAdmin.errorsTitle": "The changes could not be saved",
    "unitAdmin.err.required": "Fill in the field.",
    "unitAdmin.err.professions": "Choose at least one profession.",
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
    "unitAdmin.field.minutes_per_case": "minutes per case", "unitAdmin.field.self_booking": "self-booking",
    "unitAdmin.booking": "Self-booking (web booking)",
    "unitAdmin.bookingLead": "Which professions and priorities citizens may book a time for themselves after the "
      + "assessment. The unit follows the region's rule unless it has one of its own.",
    "unitAdmin.bookingChoice": "Rule for the unit",
    "unitAdmin.booking.region": "As the region",
    "unitAdmin.booking.unit": "The unit's own rule",
    "unitAdmin.regionRule": "The region's rule:",
    "unitAdmin.nothingBookable": "no self-booking",
    "unitAdmin.cancelHours": (v) => `cancel at the latest ${v.n} hours before`,
    "unitAdmin.bookProfessions": "Professions citizens may book themselves",
    "unitAdmin.bookPriorities": "Priorities citizens may book themselves",
    "unitAdmin.cancelLimit": "Hours before the visit until which the citizen may cancel or change it",
    "unitAdmin.err.hours": "Enter a whole number of hours between 0 and 168.",
    "unitAdmin.templateCreated": (v) => `created the phrase template “${v.title}”`,
    "unitAdmin.templateEdited": (v) => `changed the phrase template “${v.title}”`,
    "unitAdmin.templateDeleted": (v) => `deleted the phrase template “${v.title}”`,
    "unitAdmin.part.title": "the title", "unitAdmin.part.text": "the text", "unitAdmin.part.language": "the language",
    "unitAdmin.part.tags": "the tags",
    "unitAdmin.part.titleWas": (v) => `the title (was “${v.was}”)`,
    "profession.coordinator": "Coordinator",
    "profession.occupational_therapist": "Occupational therapist",
    "profession.counsellor": "Counsellor",
    "profession.dietitian": "Dietitian",
    "profession.admin": "Administrator",
  },
});

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
  const linksArea = h("div");
  let linksFor = null; // the name and professions the links were made for: a change of them makes them anew
  ctx.main.append(lead, settingsArea, staffArea, linksArea, changesArea);

  function render() {
    lead.textContent = view.name;
    settingsArea.replaceChildren(settingsForm());
    staffArea.replaceChildren(staffSection());
    const shown = JSON.stringify([view.name, view.professions]);
    if (shown !== linksFor) {
      linksFor = shown;
      linksArea.replaceChildren(entryLinksSection(ctx, unitId));
    }
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
    const phoneTimes = phoneHours(view.phone_hours);
    const minutes = field({ name: "minutes_per_case", labelKey: "unitAdmin.minutes", hintKey: "unitAdmin.minutesHint",
      control: h("input", { type: "number", min: "1", max: "240", step: "any", inputmode: "decimal",
        value: view.minutes_per_case ?? "" }) });
    const professions = codeChoice("professions", PROFESSIONS, view.professions || [], "unitAdmin.professions");
    const hours = openingHours(view.opening_hours);
    const booking = selfBooking();
    const titleId = uniqueId("unit-settings");
    const form = h("form", { class: "card unit-settings", novalidate: true, "aria-labelledby": titleId },
      h("h2", { id: titleId, t: "unitAdmin.settings" }),
      lastChanged(view),
      errors, name.el, address.el, phone.el, phoneTimes.sv.el, phoneTimes.en.el, minutes.el, professions.el,
      h("h3", { t: "unitAdmin.hours" }), h("p", { class: "hint", t: "unitAdmin.hoursLead" }), hours.el,
      booking.el,
      h("button", { type: "submit", class: "button", t: "unitAdmin.save" }), status);
    const all = [name, address, phone, phoneTimes.sv, phoneTimes.en, minutes, professions, ...hours.fields,
      ...booking.fields];

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.replaceChildren();
      for (const f of all) f.clearError();
      const problems = [];
      const need = (f) => { if (!f.control.value.trim()) problems.push({ field: f, key: "unitAdmin.err.required" }); };
      need(name); need(address); need(phone);
      const opening = hours.read(problems);
      if (!professions.value().length) problems.push({ field: professions, key: "unitAdmin.err.professions" });
      const phoneHoursSaid = phoneTimes.read(problems);
      const perCase = minutes.control.value.trim();
      if (perCase && !(Number(perCase) > 0 && Number(perCase) <= 240)) {
        problems.push({ field: minutes, key: "unitAdmin.err.minutes" });
      }
      const ownRule = booking.read(problems);
      for (const p of problems) p.field.showError({ key: p.key });
      errorSummary(errors, "unitAdmin.errorsTitle", problems);
      if (problems.length) return;
      const body = {
        version: view.version, name: name.control.value.trim(), address: address.control.value.trim(),
        phone: phone.control.value.trim(), opening_hours: opening, professions: professions.value(),
        ...(phoneHoursSaid ? { phone_hours: phoneHoursSaid } : {}),
        ...(perCase ? { minutes_per_case: Number(perCase) } : {}),
        ...(ownRule ? { self_booking: ownRule } : {}), // none: the region's rule applies
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

  // --- self-booking: the region's rule, or the unit's own ---
  function selfBooking() {
    const region = view.region_self_booking;
    const own = view.self_booking;
    const start = own || region;
    const mode = choiceGroup({ name: "self_booking_mode", type: "radio", codes: ["region", "unit"],
      chosen: own ? "unit" : "region", legendKey: "unitAdmin.bookingChoice", className: "field radio-group",
      labelFor: (code) => ({ t: `unitAdmin.booking.${code}` }) });
    const professionsBox = codeChoice("self_booking.professions", PROFESSIONS, start.professions,
      "unitAdmin.bookProfessions");
    const prioritiesBox = codeChoice("self_booking.priorities", PRIORITIES, start.priorities,
      "unitAdmin.bookPriorities", "priority");
    const cancel = field({ name: "self_booking.cancel_limit_hours", labelKey: "unitAdmin.cancelLimit",
      control: h("input", { type: "number", min: "0", max: "168", step: "1", inputmode: "numeric",
        value: String(start.cancel_limit_hours) }) });
    const ownArea = h("div", { class: "unit-booking-rule" }, professionsBox.el, prioritiesBox.el, cancel.el);
    const show = () => { ownArea.hidden = mode.value() !== "unit"; };
    for (const b of mode.boxes) b.box.addEventListener("change", show);
    show();
    const list = (codes, prefix) => codes.map((code, i) => [i ? ", " : "", codeLabel(prefix, code)]);
    const regionSays = region.professions.length && region.priorities.length
      ? [list(region.professions, "profession"), "; ", list(region.priorities, "priority"), "; ",
        h("span", { t: "unitAdmin.cancelHours", vars: { n: region.cancel_limit_hours } })]
      : h("span", { t: "unitAdmin.nothingBookable" });
    const id = uniqueId("unit-booking");
    const el = h("fieldset", { class: "unit-booking", "aria-labelledby": id },
      h("legend", { id, t: "unitAdmin.booking" }), h("p", { class: "hint", t: "unitAdmin.bookingLead" }),
      h("p", { class: "hint region-rule" }, h("span", { t: "unitAdmin.regionRule" }), " ", regionSays, "."),
      mode.el, ownArea);
    return {
      el,
      fields: [professionsBox, prioritiesBox, cancel],
      /** The unit's own rule as the API takes it, or null when the region's applies. */
      read(problems) {
        if (mode.value() !== "unit") return null;
        const value = cancel.control.value.trim();
        const limit = /^\d+$/.test(value) && Number(value) <= 168 ? Number(value) : null;
        if (limit === null) problems.push({ field: cancel, key: "unitAdmin.err.hours" });
        return { professions: professionsBox.value(), priorities: prioritiesBox.value(), cancel_limit_hours: limit };
      },
    };
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
    const roles = codeChoice("roles", ROLES, [], "unitAdmin.roleChoice");
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
        ...loggedOut(saved.sessions_ended));
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
    const templateLine = (c) => {
      const title = c.template_title || c.template_id;
      if (c.what === "template_created") return h("span", { t: "unitAdmin.templateCreated", vars: { title } });
      if (c.what === "template_deleted") return h("span", { t: "unitAdmin.templateDeleted", vars: { title } });
      return [h("span", { t: "unitAdmin.templateEdited", vars: { title } }), ": ",
        list(c.fields, (f) => (f === "title" && c.template_was
          ? h("span", { t: "unitAdmin.part.titleWas", vars: { was: c.template_was } })
          : h("span", { t: `unitAdmin.part.${f}` })))];
    };
    const items = view.changes.map((c) => {
      const staff = c.staff_name || c.staff;
      const line = c.what.startsWith("template_") ? templateLine(c) : c.what === "settings"
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
