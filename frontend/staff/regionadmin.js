// Regionadministration (#/region): the region's administrators run the region without a developer. They add units
// (HSA-id, name, address, phone, opening hours, professions, and the unit's first administrator), keep the region's
// self-booking rules, branding (colours with WCAG AA contrast) and notices, and give or take the region
// administrator role, and upload the region's logo (SVG). GET /staff/region; PUT /staff/region/settings (at the version
// shown: 409 names who changed it meanwhile); PUT /staff/region/logo; PUT /staff/region/units/{unit};
// PUT /staff/region/admins/{hsa_id}. Every change is listed with who and when (docs/administration.md).

import { applyBranding, showLogo } from "/shared/app.js";
import { codeLabel, errorMessage, h, timeEl, uniqueId } from "/shared/dom.js";
import { errorSummary, field } from "/shared/forms.js";
import { addStrings } from "/shared/i18n.js";
import { PROFESSIONS, codeChoice, lastChanged, loggedOut, openingHours, phoneHours, text } from "./adminforms.js";

const PRIORITIES = ["P1", "P2", "P3", "P4", "P5"];
const CLOCK = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const HEX = /^#[0-9a-f]{6}$/i;
const HSA = /^SE\d{10}-[A-Za-z0-9]{1,31}$/;
const PHONE = /^[0-9 +()-]{5,20}$/;
const LOGO_MAX_BYTES = 200 * 1024;

addStrings({
  sv: {
    "nav.regionAdmin": "Region",
    "regionAdmin.title": "Regionadministration",
    "regionAdmin.notAdmin": "Regionadministration är för regionens administratörer.",
    "regionAdmin.simulatorLink": "Ruttningssimulator: pröva var ärenden hamnar",
    "regionAdmin.units": "Enheter i regionen",
    "regionAdmin.unitsCaption": "Regionens enheter",
    "regionAdmin.col.name": "Namn",
    "regionAdmin.col.hsa": "HSA-id",
    "regionAdmin.col.address": "Adress",
    "regionAdmin.col.phone": "Telefon",
    "regionAdmin.col.professions": "Yrkesroller",
    "regionAdmin.addUnit": "Lägg till en enhet",
    "regionAdmin.addUnitLead": "Enheten syns för invånarna direkt. Dess första administratör får rollen vid nästa "
      + "inloggning och sköter sedan enheten under Enhet.",
    "regionAdmin.unitId": "Enhetens HSA-id",
    "regionAdmin.unitIdHint": "Till exempel SE2321000057-VC05.",
    "regionAdmin.unitName": "Namn",
    "regionAdmin.address": "Adress",
    "regionAdmin.phone": "Telefonnummer",
    "regionAdmin.professions": "Yrkesroller som enheten erbjuder",
    "regionAdmin.hours": "Öppettider",
    "regionAdmin.hoursLead": "Svensk tid. Skriv tiderna som 08:00–12:00, flera med komma. Tomt: stängt den dagen.",
    "regionAdmin.firstAdmin": "Enhetens första administratör",
    "regionAdmin.adminHsa": "Administratörens HSA-id",
    "regionAdmin.adminHsaHint": "Till exempel SE2321000057-S011.",
    "regionAdmin.adminName": "Administratörens namn",
    "regionAdmin.adminNameHint": "Behövs bara för den som är ny i regionen.",
    "regionAdmin.saveUnit": "Lägg till enheten",
    "regionAdmin.unitAdded": (v) => `${v.name} är tillagd. ${v.admin} är enhetens administratör från nästa inloggning.`,
    "regionAdmin.unitThere": (v) => `${v.name} fanns redan precis så.`,
    "regionAdmin.unitErrorsTitle": "Enheten kunde inte läggas till",
    "regionAdmin.settings": "Regionens inställningar",
    "regionAdmin.selfBooking": "Egen bokning (webbtidbok)",
    "regionAdmin.selfBookingLead": "Vilka yrkesroller och prioriteter invånaren själv får boka tid för efter "
      + "bedömningen.",
    "regionAdmin.bookProfessions": "Yrkesroller som går att boka själv",
    "regionAdmin.bookPriorities": "Prioriteter som går att boka själv",
    "regionAdmin.cancelLimit": "Timmar före besöket som invånaren kan avboka eller ändra",
    "regionAdmin.branding": "Utseende",
    "regionAdmin.brandingLead": "Färger som #rrggbb. Texten måste gå att läsa: kontrasten kontrolleras mot WCAG AA "
      + "(minst 4,5:1). Ändringen syns nästa gång en sida laddas.",
    "regionAdmin.primary": "Huvudfärg (sidhuvudets band)",
    "regionAdmin.onPrimary": "Textfärg på huvudfärgen",
    "regionAdmin.accent": "Färg på länkar och knappar (på vitt)",
    "regionAdmin.logo": "Logotyp",
    "regionAdmin.logoLead": "Logotypen visas i sidhuvudet på alla sidor, för invånare och för vårdpersonal, från nästa "
      + "gång en sida laddas. Den ska vara en SVG-bild på högst 200 kB, utan skript eller länkar till andra filer.",
    "regionAdmin.logoNow": "Nuvarande logotyp",
    "regionAdmin.logoNone": "Regionen har ingen logotyp.",
    "regionAdmin.logoFile": "Ny logotyp (SVG-fil)",
    "regionAdmin.logoUpload": "Ladda upp logotypen",
    "regionAdmin.logoSaved": "Logotypen är uppladdad.",
    "regionAdmin.logoSame": "Regionen hade redan den logotypen.",
    "regionAdmin.logoErrorsTitle": "Logotypen kunde inte laddas upp",
    "regionAdmin.err.logoFile": "Välj en SVG-fil.",
    "regionAdmin.err.logoSize": "Logotypen får vara högst 200 kB.",
    "regionAdmin.notices": "Aviseringar",
    "regionAdmin.smsInterval": "Minst antal minuter mellan två sms om samma ärende",
    "regionAdmin.quietStart": "Tyst tid börjar",
    "regionAdmin.quietEnd": "Tyst tid slutar",
    "regionAdmin.quietHint": "TT:MM. Ingen sms om annat än det brådskande under tyst tid. Samma tid: ingen tyst tid.",
    "regionAdmin.save": "Spara inställningarna",
    "regionAdmin.saved": "Inställningarna är sparade.",
    "regionAdmin.noChange": "Inget var ändrat.",
    "regionAdmin.reload": "Ladda om inställningarna",
    "regionAdmin.errorsTitle": "Inställningarna kunde inte sparas",
    "regionAdmin.admins": "Regionadministratörer",
    "regionAdmin.adminsLead": "Regionadministratörer lägger till enheter och sköter regionens inställningar. En roll "
      + "som tas bort gäller direkt: personen loggas ut. Din egen roll kan bara någon annan ta bort.",
    "regionAdmin.adminsCaption": "Regionens administratörer",
    "regionAdmin.col.action": "Åtgärd",
    "regionAdmin.you": "(du)",
    "regionAdmin.take": (v) => `Ta bort rollen för ${v.name}`,
    "regionAdmin.give": "Ge rollen till en medarbetare",
    "regionAdmin.giveHsa": "Medarbetarens HSA-id",
    "regionAdmin.giveHint": "Personen behöver ha en roll på en enhet i regionen.",
    "regionAdmin.giveButton": "Ge rollen",
    "regionAdmin.given": (v) => `${v.name} är regionadministratör.`,
    "regionAdmin.taken": (v) => `${v.name} är inte längre regionadministratör.`,
    "regionAdmin.same": (v) => `Det var redan så för ${v.name}.`,
    "regionAdmin.adminErrorsTitle": "Rollen kunde inte ändras",
    "regionAdmin.changes": "Senaste ändringar",
    "regionAdmin.noChanges": "Inga ändringar sedan regionen lades upp.",
    "regionAdmin.changedSettings": "ändrade",
    "regionAdmin.addedUnit": (v) => `lade till enheten ${v.unit}`,
    "regionAdmin.gaveAdmin": (v) => `gjorde ${v.staff} till regionadministratör`,
    "regionAdmin.tookAdmin": (v) => `tog bort ${v.staff} som regionadministratör`,
    "regionAdmin.field.self_booking": "egen bokning", "regionAdmin.field.branding": "utseendet",
    "regionAdmin.field.notices": "aviseringarna", "regionAdmin.field.logo": "logotypen",
    "regionAdmin.err.required": "Fyll i fältet.",
    "regionAdmin.err.hsa": "Ange ett HSA-id, till exempel SE2321000057-VC05.",
    "regionAdmin.err.phone": "Ange ett telefonnummer, till exempel 036-10 10 05.",
    "regionAdmin.err.professions": "Välj minst en yrkesroll.",
    "regionAdmin.err.colour": "Ange färgen som #rrggbb, till exempel #005a78.",
    "regionAdmin.err.contrast": (v) => `För låg kontrast (${String(v.ratio).replace(".", ",")}:1) för att texten `
      + "ska gå att läsa; WCAG AA kräver minst 4,5:1. Välj en mörkare eller ljusare färg.",
    "regionAdmin.err.clock": "Ange tiden som TT:MM, till exempel 21:00.",
    "regionAdmin.err.hours": "Ange ett antal timmar mellan 0 och 168.",
    "regionAdmin.err.minutes": "Ange ett antal minuter mellan 0 och 1440.",
  },
  en: {
    "nav.regionAdmin": "Region",
    "regionAdmin.title": "Region administration",
    "regionAdmin.notAdmin": "Region administration is for the region's administrators.",
    "regionAdmin.simulatorLink": "Routing simulator: try where cases land",
    "regionAdmin.units": "Units of the region",
    "regionAdmin.unitsCaption": "The region's units",
    "regionAdmin.col.name": "Name",
    "regionAdmin.col.hsa": "HSA-id",
    "regionAdmin.col.address": "Address",
    "regionAdmin.col.phone": "Phone",
    "regionAdmin.col.professions": "Professions",
    "regionAdmin.addUnit": "Add a unit",
    "regionAdmin.addUnitLead": "Citizens see the unit at once. Its first administrator gets the role at their next "
      + "login and then runs the unit under Unit.",
    "regionAdmin.unitId": "The unit's HSA-id",
    "regionAdmin.unitIdHint": "For example SE2321000057-VC05.",
    "regionAdmin.unitName": "Name",
    "regionAdmin.address": "Address",
    "regionAdmin.phone": "Phone number",
    "regionAdmin.professions": "Professions the unit offers",
    "regionAdmin.hours": "Opening hours",
    "regionAdmin.hoursLead": "Swedish time. Write the times as 08:00–12:00, several separated by commas. Empty: "
      + "closed that day.",
    "regionAdmin.firstAdmin": "The unit's first administrator",
    "regionAdmin.adminHsa": "The administrator's HSA-id",
    "regionAdmin.adminHsaHint": "For example SE2321000057-S011.",
    "regionAdmin.adminName": "The administrator's name",
    "regionAdmin.adminNameHint": "Only needed for someone new to the region.",
    "regionAdmin.saveUnit": "Add the unit",
    "regionAdmin.unitAdded": (v) => `${v.name} is added. ${v.admin} administers the unit from their next login.`,
    "regionAdmin.unitThere": (v) => `${v.name} was already there exactly so.`,
    "regionAdmin.unitErrorsTitle": "The unit could not be added",
    "regionAdmin.settings": "The region's settings",
    "regionAdmin.selfBooking": "Self-booking (web booking)",
    "regionAdmin.selfBookingLead": "Which professions and priorities citizens may book a time for themselves after "
      + "the assessment.",
    "regionAdmin.bookProfessions": "Professions citizens may book themselves",
    "regionAdmin.bookPriorities": "Priorities citizens may book themselves",
    "regionAdmin.cancelLimit": "Hours before the visit until which the citizen may cancel or change it",
    "regionAdmin.branding": "Appearance",
    "regionAdmin.brandingLead": "Colours as #rrggbb. Text must stay readable: the contrast is checked against WCAG AA "
      + "(at least 4.5:1). The change shows the next time a page loads.",
    "regionAdmin.primary": "Main colour (the header's band)",
    "regionAdmin.onPrimary": "Text colour on the main colour",
    "regionAdmin.accent": "Colour of links and buttons (on white)",
    "regionAdmin.logo": "Logo",
    "regionAdmin.logoLead": "The logo shows in the header of every page, for citizens and for staff, from the next "
      + "time a page loads. It must be an SVG picture of at most 200 KB, without scripts or links to other files.",
    "regionAdmin.logoNow": "Current logo",
    "regionAdmin.logoNone": "The region has no logo.",
    "regionAdmin.logoFile": "New logo (SVG file)",
    "regionAdmin.logoUpload": "Upload the logo",
    "regionAdmin.logoSaved": "The logo is uploaded.",
    "regionAdmin.logoSame": "The region already had that logo.",
    "regionAdmin.logoErrorsTitle": "The logo could not be uploaded",
    "regionAdmin.err.logoFile": "Choose an SVG file.",
    "regionAdmin.err.logoSize": "The logo may be at most 200 KB.",
    "regionAdmin.notices": "Notices",
    "regionAdmin.smsInterval": "Minimum minutes between two text messages about the same case",
    "regionAdmin.quietStart": "Quiet hours start",
    "regionAdmin.quietEnd": "Quiet hours end",
    "regionAdmin.quietHint": "HH:MM. Only urgent text messages during quiet hours. The same time: no quiet hours.",
    "regionAdmin.save": "Save the settings",
    "regionAdmin.saved": "The settings are saved.",
    "regionAdmin.noChange": "Nothing was changed.",
    "regionAdmin.reload": "Load the settings again",
    "regionAdmin.errorsTitle": "The settings could not be saved",
    "regionAdmin.admins": "Region administrators",
    "regionAdmin.adminsLead": "Region administrators add units and keep the region's settings. A role taken away "
      + "applies at once: the person is logged out. Only someone else can take away your own role.",
    "regionAdmin.adminsCaption": "The region's administrators",
    "regionAdmin.col.action": "Action",
    "regionAdmin.you": "(you)",
    "regionAdmin.take": (v) => `Take away the role of ${v.name}`,
    "regionAdmin.give": "Give the role to a staff member",
    "regionAdmin.giveHsa": "The staff member's HSA-id",
    "regionAdmin.giveHint": "The person needs a role at a unit of the region.",
    "regionAdmin.giveButton": "Give the role",
    "regionAdmin.given": (v) => `${v.name} is a region administrator.`,
    "regionAdmin.taken": (v) => `${v.name} is no longer a region administrator.`,
    "regionAdmin.same": (v) => `It already was so for ${v.name}.`,
    "regionAdmin.adminErrorsTitle": "The role could not be changed",
    "regionAdmin.changes": "Latest changes",
    "regionAdmin.noChanges": "No changes since the region was set up.",
    "regionAdmin.changedSettings": "changed",
    "regionAdmin.addedUnit": (v) => `added the unit ${v.unit}`,
    "regionAdmin.gaveAdmin": (v) => `made ${v.staff} a region administrator`,
    "regionAdmin.tookAdmin": (v) => `took away ${v.staff} as region administrator`,
    "regionAdmin.field.self_booking": "self-booking", "regionAdmin.field.branding": "the appearance",
    "regionAdmin.field.notices": "the notices", "regionAdmin.field.logo": "the logo",
    "regionAdmin.err.required": "Fill in the field.",
    "regionAdmin.err.hsa": "Enter an HSA-id, for example SE2321000057-VC05.",
    "regionAdmin.err.phone": "Enter a phone number, for example 036-10 10 05.",
    "regionAdmin.err.professions": "Choose at least one profession.",
    "regionAdmin.err.colour": "Enter the colour as #rrggbb, for example #005a78.",
    "regionAdmin.err.contrast": (v) => `The contrast (${v.ratio}:1) is too low for the text to be readable; WCAG AA `
      + "needs at least 4.5:1. Choose a darker or lighter colour.",
    "regionAdmin.err.clock": "Enter the time as HH:MM, for example 21:00.",
    "regionAdmin.err.hours": "Enter a number of hours between 0 and 168.",
    "regionAdmin.err.minutes": "Enter a number of minutes between 0 and 1440.",
  },
});

let access = { token: null, promise: null };

/** Whether the logged-in staff member is a region administrator (asked once per login; the header's Region link). */
export function regionAdminAccess(ctx) {
  const token = ctx.session.token;
  if (access.token !== token || !access.promise) {
    const promise = ctx.api.get("/staff/region/access").then((body) => Boolean(body.region_admin));
    access = { token, promise };
    promise.catch(() => { if (access.promise === promise) access.promise = null; });
  }
  return access.promise;
}

const number = (value, min, max) => h("input", { type: "number", min: String(min), max: String(max), step: "1",
  inputmode: "numeric", value: value ?? "" });

/** WCAG 2.1 contrast ratio of two #rrggbb colours, as the server checks it. */
function contrast(first, second) {
  const luminance = (hex) => {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(first), luminance(second)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}

/** The field an error from the server names ("branding.accent", "opening_hours.chat.mon"), or a fallback. */
function fieldFor(fields, name, fallback) {
  if (!name) return fallback;
  return fields.find((f) => f.name === name) || fields.find((f) => name.startsWith(`${f.name}.`))
    || fields.find((f) => f.name.startsWith(`${name}.`)) || fallback;
}

export async function regionAdminView(ctx) {
  ctx.setTitle("regionAdmin.title");
  ctx.main.append(h("h1", { tabindex: "-1", t: "regionAdmin.title" }));
  const [me, allowed] = await Promise.all([ctx.me(), regionAdminAccess(ctx)]);
  if (!allowed) {
    ctx.main.append(h("p", { t: "regionAdmin.notAdmin" }));
    return;
  }
  let view = await ctx.api.get("/staff/region");
  const lead = h("p", { class: "lead" });
  // the routing simulator has a page of its own (#/region/ruttning, routingsim.js)
  const tools = h("p", { class: "region-tools" },
    h("a", { href: "#/region/ruttning", t: "regionAdmin.simulatorLink" }));
  const unitsArea = h("div");
  const settingsArea = h("div");
  const adminsArea = h("div");
  const changesArea = h("section", { class: "card region-changes", "aria-labelledby": "region-changes-title" });
  ctx.main.append(lead, tools, settingsArea, unitsArea, adminsArea, changesArea);

  function render() {
    lead.textContent = view.name;
    settingsArea.replaceChildren(settingsForm(), logoForm());
    unitsArea.replaceChildren(unitsSection());
    adminsArea.replaceChildren(adminsSection());
    renderChanges();
  }

  async function reload() {
    view = await ctx.api.get("/staff/region");
    render();
  }

  // --- self-booking, branding, notices ---
  function settingsForm() {
    const errors = h("div");
    const status = h("p", { role: "status", class: "save-status" });
    const booking = view.self_booking;
    const professions = codeChoice("self_booking.professions", PROFESSIONS, booking.professions,
      "regionAdmin.bookProfessions");
    const priorities = codeChoice("self_booking.priorities", PRIORITIES, booking.priorities,
      "regionAdmin.bookPriorities", "priority");
    const cancel = field({ name: "self_booking.cancel_limit_hours", labelKey: "regionAdmin.cancelLimit",
      control: number(booking.cancel_limit_hours, 0, 168) });
    const colour = (name, key, value) => field({ name: `branding.${name}`, labelKey: key,
      control: h("input", { type: "text", value, autocomplete: "off", spellcheck: "false", class: "colour" }) });
    const primary = colour("primary", "regionAdmin.primary", view.branding.primary);
    const onPrimary = colour("on_primary", "regionAdmin.onPrimary", view.branding.on_primary);
    const accent = colour("accent", "regionAdmin.accent", view.branding.accent);
    const interval = field({ name: "notices.sms_interval_minutes", labelKey: "regionAdmin.smsInterval",
      control: number(view.notices.sms_interval_minutes, 0, 1440) });
    const quietStart = field({ name: "notices.quiet_hours.start", labelKey: "regionAdmin.quietStart",
      hintKey: "regionAdmin.quietHint", control: text(view.notices.quiet_hours.start) });
    const quietEnd = field({ name: "notices.quiet_hours.end", labelKey: "regionAdmin.quietEnd",
      control: text(view.notices.quiet_hours.end) });
    const all = [professions, priorities, cancel, primary, onPrimary, accent, interval, quietStart, quietEnd];
    const group = (key, lead2, ...children) => {
      const id = uniqueId("region-group");
      return h("fieldset", { class: "region-group", "aria-labelledby": id },
        h("legend", { id, t: key }), lead2 ? h("p", { class: "hint", t: lead2 }) : null, children);
    };
    const titleId = uniqueId("region-settings");
    const form = h("form", { class: "card region-settings", novalidate: true, "aria-labelledby": titleId },
      h("h2", { id: titleId, t: "regionAdmin.settings" }),
      lastChanged(view),
      errors,
      group("regionAdmin.selfBooking", "regionAdmin.selfBookingLead", professions.el, priorities.el, cancel.el),
      group("regionAdmin.branding", "regionAdmin.brandingLead", primary.el, onPrimary.el, accent.el),
      group("regionAdmin.notices", null, interval.el, quietStart.el, quietEnd.el),
      h("button", { type: "submit", class: "button", t: "regionAdmin.save" }), status);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.replaceChildren();
      for (const f of all) f.clearError();
      const problems = [];
      const whole = (f, max) => {
        const v = f.control.value.trim();
        return /^\d+$/.test(v) && Number(v) <= max ? Number(v) : null;
      };
      const hours = whole(cancel, 168);
      if (hours === null) problems.push({ field: cancel, key: "regionAdmin.err.hours" });
      const minutes = whole(interval, 1440);
      if (minutes === null) problems.push({ field: interval, key: "regionAdmin.err.minutes" });
      const colours = {};
      for (const [name, f] of [["primary", primary], ["on_primary", onPrimary], ["accent", accent]]) {
        colours[name] = f.control.value.trim();
        if (!HEX.test(colours[name])) problems.push({ field: f, key: "regionAdmin.err.colour" });
      }
      for (const [f, a, b] of [[primary, "primary", "on_primary"], [accent, "accent", null]]) {
        if (!HEX.test(colours[a]) || (b && !HEX.test(colours[b]))) continue;
        const ratio = contrast(colours[a], b ? colours[b] : "#ffffff");
        if (ratio < 4.5) problems.push({ field: f, key: "regionAdmin.err.contrast", vars: { ratio: ratio.toFixed(2) } });
      }
      for (const f of [quietStart, quietEnd]) {
        if (!CLOCK.test(f.control.value.trim())) problems.push({ field: f, key: "regionAdmin.err.clock" });
      }
      for (const p of problems) {
        if (!p.vars) {
          p.field.showError({ key: p.key });
          continue;
        }
        // a text with numbers in it: the summary and the field each get their own bound element
        p.field.showError({ text: h("span", { t: p.key, vars: p.vars }) });
        p.text = h("span", { t: p.key, vars: p.vars });
        delete p.key;
      }
      errorSummary(errors, "regionAdmin.errorsTitle", problems);
      if (problems.length) return;
      const body = {
        version: view.version,
        self_booking: { professions: professions.value(), priorities: priorities.value(), cancel_limit_hours: hours },
        branding: { ...(view.branding.logo ? { logo: view.branding.logo } : {}), ...colours },
        notices: { sms_interval_minutes: minutes,
          quiet_hours: { start: quietStart.control.value.trim(), end: quietEnd.control.value.trim() } },
      };
      try {
        const before = view.version;
        view = await ctx.api.request("PUT", "/staff/region/settings", { body, idempotent: true });
        applyBranding(view.branding); // this page shows the new colours at once; other pages at their next load
        render();
        settingsArea.querySelector(".save-status").replaceChildren(
          h("span", { t: view.version === before ? "regionAdmin.noChange" : "regionAdmin.saved" }));
      } catch (error) {
        const target = fieldFor(all, error?.field, primary);
        target.showError({ text: errorMessage(error, "span") });
        errorSummary(errors, "regionAdmin.errorsTitle", [{ field: target, text: errorMessage(error, "span") }]);
        if (error?.status === 409) {
          errors.append(h("button", { type: "button", class: "button-secondary", t: "regionAdmin.reload",
            on: { click: reload } }));
        }
      }
    });
    return form;
  }

  // --- the logo ---
  function logoForm() {
    const errors = h("div");
    const status = h("p", { role: "status", class: "logo-status" });
    const file = field({ name: "logo", labelKey: "regionAdmin.logoFile",
      control: h("input", { type: "file", accept: ".svg,image/svg+xml" }) });
    const titleId = uniqueId("region-logo");
    const current = view.logo_url
      ? h("figure", { class: "region-logo-now" },
        h("img", { src: view.logo_url, alt: view.name, class: "region-logo-preview" }),
        h("figcaption", { t: "regionAdmin.logoNow" }))
      : h("p", { t: "regionAdmin.logoNone" });
    const form = h("form", { class: "card region-logo", novalidate: true, "aria-labelledby": titleId },
      h("h2", { id: titleId, t: "regionAdmin.logo" }), h("p", { class: "hint", t: "regionAdmin.logoLead" }),
      current, errors, file.el,
      h("button", { type: "submit", class: "button", t: "regionAdmin.logoUpload" }), status);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.replaceChildren();
      file.clearError();
      const chosen = file.control.files?.[0];
      const problem = !chosen || !/\.svg$/i.test(chosen.name) ? "regionAdmin.err.logoFile"
        : chosen.size > LOGO_MAX_BYTES ? "regionAdmin.err.logoSize" : null;
      if (problem) {
        file.showError({ key: problem });
        errorSummary(errors, "regionAdmin.logoErrorsTitle", [{ field: file, key: problem }]);
        return;
      }
      try {
        const before = view.version;
        const svg = await chosen.text();
        view = await ctx.api.request("PUT", "/staff/region/logo", { body: { svg, version: view.version },
          idempotent: true });
        showLogo(view.logo_url); // this page shows it at once; other pages at their next load
        render();
        settingsArea.querySelector(".logo-status").replaceChildren(
          h("span", { t: view.version === before ? "regionAdmin.logoSame" : "regionAdmin.logoSaved" }));
      } catch (error) {
        file.showError({ text: errorMessage(error, "span") });
        errorSummary(errors, "regionAdmin.logoErrorsTitle", [{ field: file, text: errorMessage(error, "span") }]);
        if (error?.status === 409) {
          errors.append(h("button", { type: "button", class: "button-secondary", t: "regionAdmin.reload",
            on: { click: reload } }));
        }
      }
    });
    return form;
  }

  // --- the region's units, and a new one ---
  function unitsSection() {
    const head = ["name", "hsa", "address", "phone", "professions"]
      .map((c) => h("th", { scope: "col", t: `regionAdmin.col.${c}` }));
    const table = h("div", { class: "table-wrap" }, h("table", { class: "region-units" },
      h("caption", { t: "regionAdmin.unitsCaption" }),
      h("thead", {}, h("tr", {}, head)),
      h("tbody", {}, view.units.map((u) => h("tr", { dataset: { unit: u.unit_id } },
        h("th", { scope: "row" }, u.name), h("td", {}, h("code", {}, u.unit_id)), h("td", {}, u.address),
        h("td", {}, u.phone), h("td", {}, u.professions.map((p, i) => [i ? ", " : "", codeLabel("profession", p)])))))));
    return h("section", { class: "region-units-area", "aria-labelledby": "region-units-title" },
      h("h2", { id: "region-units-title", t: "regionAdmin.units" }), table, unitForm());
  }

  function unitForm() {
    const errors = h("div");
    const status = h("p", { role: "status" });
    const unitId = field({ name: "unit_id", labelKey: "regionAdmin.unitId", hintKey: "regionAdmin.unitIdHint",
      control: h("input", { type: "text", autocomplete: "off", spellcheck: "false" }) });
    const name = field({ name: "name", labelKey: "regionAdmin.unitName", control: text() });
    const address = field({ name: "address", labelKey: "regionAdmin.address", control: text() });
    const phone = field({ name: "phone", labelKey: "regionAdmin.phone",
      control: h("input", { type: "tel", autocomplete: "off" }) });
    const phoneTimes = phoneHours();
    const professions = codeChoice("professions", PROFESSIONS, [], "regionAdmin.professions");
    const hours = openingHours();
    const adminHsa = field({ name: "admin_hsa_id", labelKey: "regionAdmin.adminHsa", hintKey: "regionAdmin.adminHsaHint",
      control: h("input", { type: "text", autocomplete: "off", spellcheck: "false" }) });
    const adminName = field({ name: "admin_name", labelKey: "regionAdmin.adminName",
      hintKey: "regionAdmin.adminNameHint", control: text() });
    const adminLegend = uniqueId("first-admin");
    const titleId = uniqueId("region-add-unit");
    const form = h("form", { class: "card region-add-unit", novalidate: true, "aria-labelledby": titleId },
      h("h3", { id: titleId, t: "regionAdmin.addUnit" }), h("p", { class: "hint", t: "regionAdmin.addUnitLead" }),
      errors, unitId.el, name.el, address.el, phone.el, phoneTimes.sv.el, phoneTimes.en.el, professions.el,
      h("h4", { t: "regionAdmin.hours" }), h("p", { class: "hint", t: "regionAdmin.hoursLead" }), hours.el,
      h("fieldset", { class: "region-group", "aria-labelledby": adminLegend },
        h("legend", { id: adminLegend, t: "regionAdmin.firstAdmin" }), adminHsa.el, adminName.el),
      h("button", { type: "submit", class: "button", t: "regionAdmin.saveUnit" }), status);
    const all = [unitId, name, address, phone, phoneTimes.sv, phoneTimes.en, professions, ...hours.fields, adminHsa,
      adminName];

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.replaceChildren();
      for (const f of all) f.clearError();
      const problems = [];
      const value = (f) => f.control.value.trim();
      if (!HSA.test(value(unitId))) problems.push({ field: unitId, key: "regionAdmin.err.hsa" });
      for (const f of [name, address]) if (!value(f)) problems.push({ field: f, key: "regionAdmin.err.required" });
      if (!PHONE.test(value(phone))) problems.push({ field: phone, key: "regionAdmin.err.phone" });
      const phoneHoursSaid = phoneTimes.read(problems);
      if (!professions.value().length) problems.push({ field: professions, key: "regionAdmin.err.professions" });
      const opening = hours.read(problems);
      if (!HSA.test(value(adminHsa))) problems.push({ field: adminHsa, key: "regionAdmin.err.hsa" });
      for (const p of problems) p.field.showError({ key: p.key });
      errorSummary(errors, "regionAdmin.unitErrorsTitle", problems);
      if (problems.length) return;
      const body = {
        name: value(name), address: value(address), phone: value(phone), opening_hours: opening,
        professions: professions.value(), ...(phoneHoursSaid ? { phone_hours: phoneHoursSaid } : {}),
        admin_hsa_id: value(adminHsa), admin_name: value(adminName),
      };
      try {
        const added = await ctx.api.request("PUT", `/staff/region/units/${encodeURIComponent(value(unitId))}`,
          { body, idempotent: true });
        await reload();
        const said = unitsArea.querySelector(".region-add-unit [role=status]");
        said.replaceChildren(h("span", { t: added.created ? "regionAdmin.unitAdded" : "regionAdmin.unitThere",
          vars: { name: added.name, admin: added.admin.name } }));
      } catch (error) {
        const target = fieldFor(all, error?.field, unitId);
        target.showError({ text: errorMessage(error, "span") });
        errorSummary(errors, "regionAdmin.unitErrorsTitle", [{ field: target, text: errorMessage(error, "span") }]);
      }
    });
    return form;
  }

  // --- region administrators ---
  function adminsSection() {
    const errors = h("div");
    const status = h("p", { role: "status", class: "admins-status" });
    const head = ["name", "hsa", "action"].map((c) => h("th", { scope: "col", t: `regionAdmin.col.${c}` }));
    const table = h("div", { class: "table-wrap" }, h("table", { class: "region-admins" },
      h("caption", { t: "regionAdmin.adminsCaption" }),
      h("thead", {}, h("tr", {}, head)),
      h("tbody", {}, view.admins.map((a) => h("tr", { dataset: { hsa: a.hsa_id } },
        h("th", { scope: "row" }, a.name, a.hsa_id === me.hsa_id ? [" ", h("span", { t: "regionAdmin.you" })] : null),
        h("td", {}, h("code", {}, a.hsa_id)),
        h("td", {}, a.hsa_id === me.hsa_id ? null : h("button", { type: "button", class: "button-secondary",
          t: "regionAdmin.take", vars: { name: a.name }, on: { click: () => change(a.hsa_id, false) } })))))));
    const hsa = field({ name: "hsa_id", labelKey: "regionAdmin.giveHsa", hintKey: "regionAdmin.giveHint",
      control: h("input", { type: "text", autocomplete: "off", spellcheck: "false" }) });
    const titleId = uniqueId("region-give");
    const form = h("form", { class: "card region-give", novalidate: true, "aria-labelledby": titleId },
      h("h3", { id: titleId, t: "regionAdmin.give" }), errors, hsa.el,
      h("button", { type: "submit", class: "button", t: "regionAdmin.giveButton" }));

    async function change(hsaId, give) {
      errors.replaceChildren();
      hsa.clearError();
      try {
        const saved = await ctx.api.request("PUT", `/staff/region/admins/${encodeURIComponent(hsaId)}`,
          { body: { region_admin: give }, idempotent: true });
        await reload();
        const said = adminsArea.querySelector(".admins-status");
        const key = !saved.changed ? "regionAdmin.same" : give ? "regionAdmin.given" : "regionAdmin.taken";
        said.replaceChildren(h("span", { t: key, vars: { name: saved.admin.name } }),
          ...loggedOut(saved.sessions_ended));
        said.setAttribute("tabindex", "-1");
        said.focus();
      } catch (error) {
        hsa.showError({ text: errorMessage(error, "span") });
        errorSummary(errors, "regionAdmin.adminErrorsTitle", [{ field: hsa, text: errorMessage(error, "span") }]);
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const id = hsa.control.value.trim();
      if (!HSA.test(id)) {
        hsa.showError({ key: "regionAdmin.err.hsa" });
        errorSummary(errors, "regionAdmin.adminErrorsTitle", [{ field: hsa, key: "regionAdmin.err.hsa" }]);
        return;
      }
      change(id, true);
    });
    return h("section", { class: "region-admins-area", "aria-labelledby": "region-admins-title" },
      h("h2", { id: "region-admins-title", t: "regionAdmin.admins" }), h("p", { class: "hint", t: "regionAdmin.adminsLead" }),
      status, table, form);
  }

  // --- the history ---
  function renderChanges() {
    const items = view.changes.map((c) => {
      const staff = c.staff_name || c.staff;
      const line = c.what === "settings"
        ? [h("span", { t: "regionAdmin.changedSettings" }), " ",
          c.fields.map((f, i) => [i ? ", " : "", h("span", { t: `regionAdmin.field.${f}` })])]
        : c.what === "unit"
          ? h("span", { t: "regionAdmin.addedUnit", vars: { unit: c.unit_name || c.unit_id } })
          : h("span", { t: c.what === "admin_given" ? "regionAdmin.gaveAdmin" : "regionAdmin.tookAdmin",
            vars: { staff } });
      return h("li", {}, timeEl(c.at), " ", h("strong", {}, c.by_name), " ", line, ".");
    });
    changesArea.replaceChildren(h("h2", { id: "region-changes-title", t: "regionAdmin.changes" }),
      items.length ? h("ul", { class: "change-list" }, items) : h("p", { t: "regionAdmin.noChanges" }));
  }

  render();
}
