// Schema (#/schema/<unit>): the unit's availability (who can be booked when, week after week) and its exceptions
// (holidays for the whole unit, one person's absence), with forms to add, change and remove them
// (GET/PUT/DELETE /staff/units/{unit}/schedule/…). The unit's administrators change everyone's; other staff their
// own. After each change the server brings the bookable times in line at once; booked times stay, and the ones the
// change concerns are listed so that staff can move or cancel them in Tidbok.

import { newId } from "/shared/api.js";
import { clear, codeLabel, errorMessage, errorTexts, h, uniqueId } from "/shared/dom.js";
import { errorSummary, field } from "/shared/forms.js";
import { addStrings } from "/shared/i18n.js";

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const FORMS = ["physical", "video", "phone"];

addStrings({
  sv: {
    "nav.schedule": "Schema",
    "schedule.title": "Schema",
    "schedule.lead": "Här bestäms vilka tider patienter kan boka. Bokningsbara tider för de kommande fyra veckorna "
      + "följer med direkt när du sparar; redan bokade tider ligger kvar.",
    "schedule.leadOwn": "Du kan ändra din egen tillgänglighet och frånvaro. Enhetens administratörer ändrar allas.",
    "schedule.availability": "Tillgänglighet",
    "schedule.exceptions": "Undantag (helgdagar och frånvaro)",
    "schedule.noAvailability": "Ingen tillgänglighet är inlagd.",
    "schedule.noExceptions": "Inga undantag är inlagda.",
    "schedule.col.who": "Vem",
    "schedule.col.profession": "Yrkesroll",
    "schedule.col.form": "Besöksform",
    "schedule.col.days": "Veckodagar",
    "schedule.col.times": "Tider",
    "schedule.col.length": "Längd",
    "schedule.col.location": "Plats",
    "schedule.col.valid": "Gäller",
    "schedule.col.changed": "Senast ändrad av",
    "schedule.col.actions": "Åtgärder",
    "schedule.col.dates": "Datum",
    "schedule.col.appliesTo": "Gäller för",
    "schedule.col.reason": "Orsak",
    "schedule.minutes": (v) => `${v.n} min`,
    "schedule.validFrom": (v) => (v.to ? `${v.from} – ${v.to}` : `från ${v.from}`),
    "schedule.wholeDay": "Hela dagen",
    "schedule.wholeUnit": "Hela enheten",
    "schedule.edit": "Ändra",
    "schedule.remove": "Ta bort",
    "schedule.confirmRemove": "Vill du ta bort det här? Lediga tider försvinner direkt; bokade tider ligger kvar.",
    "schedule.confirmYes": "Ja, ta bort",
    "schedule.cancel": "Avbryt",
    "schedule.save": "Spara",
    "schedule.reload": "Läs in schemat igen",
    "schedule.form.newAvailability": "Lägg till tillgänglighet",
    "schedule.form.editAvailability": "Ändra tillgänglighet",
    "schedule.form.newException": "Lägg till undantag",
    "schedule.form.editException": "Ändra undantag",
    "schedule.form.errorsTitle": "Det gick inte att spara",
    "schedule.form.who": "Vem",
    "schedule.form.profession": "Yrkesroll",
    "schedule.form.form": "Besöksform",
    "schedule.form.weekdays": "Veckodagar",
    "schedule.form.start": "Från klockan",
    "schedule.form.end": "Till klockan",
    "schedule.form.timesHint": "Svensk tid, till exempel 08:00.",
    "schedule.form.length": "Längd på varje tid (minuter)",
    "schedule.form.location": "Plats",
    "schedule.form.locationHint": "Adress och mottagningsrum, eller ”Videomöte i Nära”.",
    "schedule.form.validFrom": "Gäller från och med",
    "schedule.form.validTo": "Gäller till och med (valfritt)",
    "schedule.form.firstDay": "Från och med",
    "schedule.form.lastDay": "Till och med",
    "schedule.form.wholeDay": "Hela dagen",
    "schedule.form.appliesTo": "Gäller för",
    "schedule.form.reason": "Orsak (valfritt)",
    "schedule.form.exceptionTimesHint": "Lämna tomt för hela dagar.",
    "schedule.err.required": "Fyll i fältet.",
    "schedule.err.weekdays": "Välj minst en veckodag.",
    "schedule.saved": "Sparat.",
    "schedule.removed": "Borttaget.",
    "schedule.sync": (v) => `Bokningsbara tider: ${v.created} nya, ${v.changed} ändrade, ${v.removed} borttagna.`,
    "schedule.affected": "Bokade tider som inte längre stämmer med schemat (de ligger kvar – flytta eller avboka dem "
      + "i Tidbok):",
    "schedule.weekday.mon": "mån", "schedule.weekday.tue": "tis", "schedule.weekday.wed": "ons",
    "schedule.weekday.thu": "tor", "schedule.weekday.fri": "fre", "schedule.weekday.sat": "lör",
    "schedule.weekday.sun": "sön",
    "schedule.weekdayLong.mon": "Måndag", "schedule.weekdayLong.tue": "Tisdag", "schedule.weekdayLong.wed": "Onsdag",
    "schedule.weekdayLong.thu": "Torsdag", "schedule.weekdayLong.fri": "Fredag", "schedule.weekdayLong.sat": "Lördag",
    "schedule.weekdayLong.sun": "Söndag",
    "schedule.visit.physical": "Besök", "schedule.visit.video": "Video", "schedule.visit.phone": "Telefon",
    "profession.admin": "Administratör",
  },
  en: {
    "nav.schedule": "Schedule",
    "schedule.title": "Schedule",
    "schedule.lead": "This decides which times patients can book. Bookable times for the coming four weeks follow "
      + "as soon as you save; times already booked stay.",
    "schedule.leadOwn": "You can change your own availability and absence. The unit's administrators change "
      + "everyone's.",
    "schedule.availability": "Availability",
    "schedule.exceptions": "Exceptions (holidays and absence)",
    "schedule.noAvailability": "No availability has been entered.",
    "schedule.noExceptions": "No exceptions have been entered.",
    "schedule.col.who": "Who",
    "schedule.col.profession": "Role",
    "schedule.col.form": "Visit form",
    "schedule.col.days": "Weekdays",
    "schedule.col.times": "Times",
    "schedule.col.length": "Length",
    "schedule.col.location": "Place",
    "schedule.col.valid": "Valid",
    "schedule.col.changed": "Last changed by",
    "schedule.col.actions": "Actions",
    "schedule.col.dates": "Dates",
    "schedule.col.appliesTo": "Applies to",
    "schedule.col.reason": "Reason",
    "schedule.minutes": (v) => `${v.n} min`,
    "schedule.validFrom": (v) => (v.to ? `${v.from} – ${v.to}` : `from ${v.from}`),
    "schedule.wholeDay": "Whole day",
    "schedule.wholeUnit": "The whole unit",
    "schedule.edit": "Change",
    "schedule.remove": "Remove",
    "schedule.confirmRemove": "Do you want to remove this? Free times go at once; booked times stay.",
    "schedule.confirmYes": "Yes, remove",
    "schedule.cancel": "Cancel",
    "schedule.save": "Save",
    "schedule.reload": "Reload the schedule",
    "schedule.form.newAvailability": "Add availability",
    "schedule.form.editAvailability": "Change availability",
    "schedule.form.newException": "Add an exception",
    "schedule.form.editException": "Change the exception",
    "schedule.form.errorsTitle": "It could not be saved",
    "schedule.form.who": "Who",
    "schedule.form.profession": "Role",
    "schedule.form.form": "Visit form",
    "schedule.form.weekdays": "Weekdays",
    "schedule.form.start": "From",
    "schedule.form.end": "Until",
    "schedule.form.timesHint": "Swedish time, for example 08:00.",
    "schedule.form.length": "Length of each time (minutes)",
    "schedule.form.location": "Place",
    "schedule.form.locationHint": "Address and room, or “Videomöte i Nära”.",
    "schedule.form.validFrom": "Valid from",
    "schedule.form.validTo": "Valid until (optional)",
    "schedule.form.firstDay": "From",
    "schedule.form.lastDay": "Until",
    "schedule.form.wholeDay": "Whole day",
    "schedule.form.appliesTo": "Applies to",
    "schedule.form.reason": "Reason (optional)",
    "schedule.form.exceptionTimesHint": "Leave empty for whole days.",
    "schedule.err.required": "Fill in this field.",
    "schedule.err.weekdays": "Choose at least one weekday.",
    "schedule.saved": "Saved.",
    "schedule.removed": "Removed.",
    "schedule.sync": (v) => `Bookable times: ${v.created} new, ${v.changed} changed, ${v.removed} removed.`,
    "schedule.affected": "Booked times that no longer match the schedule (they stay – move or cancel them in "
      + "Bookings):",
    "schedule.weekday.mon": "Mon", "schedule.weekday.tue": "Tue", "schedule.weekday.wed": "Wed",
    "schedule.weekday.thu": "Thu", "schedule.weekday.fri": "Fri", "schedule.weekday.sat": "Sat",
    "schedule.weekday.sun": "Sun",
    "schedule.weekdayLong.mon": "Monday", "schedule.weekdayLong.tue": "Tuesday",
    "schedule.weekdayLong.wed": "Wednesday", "schedule.weekdayLong.thu": "Thursday",
    "schedule.weekdayLong.fri": "Friday", "schedule.weekdayLong.sat": "Saturday", "schedule.weekdayLong.sun": "Sunday",
    "schedule.visit.physical": "Visit", "schedule.visit.video": "Video", "schedule.visit.phone": "Phone",
    "profession.admin": "Administrator",
  },
});

const today = () => new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Stockholm" }).format(new Date());
const path = (unitId, ...parts) => [`/staff/units/${encodeURIComponent(unitId)}/schedule`,
  ...parts.map(encodeURIComponent)].join("/");

/** A group of checkboxes with a legend, a hint-free error line and the same interface as forms.js field(). */
function checkboxGroup(name, legendKey, values, labelPrefix) {
  const boxes = values.map((value) => h("input", { type: "checkbox", id: uniqueId(`${name}-${value}`), value }));
  const error = h("p", { id: uniqueId(`${name}-error`), class: "field-error", hidden: true });
  const el = h("fieldset", { class: "group" },
    h("legend", { t: legendKey }), error,
    h("div", { class: "options options-inline" }, boxes.map((box) => h("div", { class: "option" }, box,
      h("label", { for: box.id, t: `${labelPrefix}.${box.value}` })))));
  return {
    el, control: boxes[0], name,
    values: () => boxes.filter((b) => b.checked).map((b) => b.value),
    set: (chosen) => boxes.forEach((b) => { b.checked = chosen.includes(b.value); }),
    showError({ text }) {
      clear(error, text);
      error.hidden = false;
      el.classList.add("field-invalid");
      boxes.forEach((b) => b.setAttribute("aria-describedby", error.id));
    },
    clearError() {
      error.hidden = true;
      el.classList.remove("field-invalid");
      boxes.forEach((b) => b.removeAttribute("aria-describedby"));
    },
  };
}

export async function scheduleView(ctx, unitId) {
  ctx.setTitle("schedule.title");
  const heading = h("h1", { tabindex: "-1" }, h("span", { t: "schedule.title" }));
  const lead = h("div");
  const notices = h("div", { class: "schedule-notices" });
  const loadError = h("div");
  const availabilityBody = h("div");
  const exceptionsBody = h("div");
  const availabilityFormSlot = h("div");
  const exceptionFormSlot = h("div");
  const availabilityHeading = uniqueId("avail");
  const exceptionsHeading = uniqueId("exc");
  ctx.main.append(heading, lead, notices, loadError,
    h("section", { class: "card schedule-section", "aria-labelledby": availabilityHeading },
      h("h2", { id: availabilityHeading, t: "schedule.availability" }), availabilityBody, availabilityFormSlot),
    h("section", { class: "card schedule-section", "aria-labelledby": exceptionsHeading },
      h("h2", { id: exceptionsHeading, t: "schedule.exceptions" }), exceptionsBody, exceptionFormSlot));

  let schedule = null;
  let destroyed = false;

  async function load() {
    try {
      schedule = await ctx.api.get(path(unitId));
    } catch (error) {
      if (!destroyed) clear(loadError, errorMessage(error));
      return;
    }
    if (destroyed) return;
    clear(loadError);
    clear(heading, h("span", { t: "schedule.title" }), " – ", schedule.unit_name);
    clear(lead, h("p", { class: "lead", t: "schedule.lead" }),
      schedule.can_edit_all ? null : h("p", { t: "schedule.leadOwn" }));
    drawAvailability();
    drawExceptions();
  }

  function changedBy(item) {
    return item.updated_by_name || item.updated_by || "–";
  }

  function actions(item, kind, idKey, onEdit) {
    if (!item.can_edit) return h("td", {});
    const cell = h("td", { class: "schedule-actions" });
    const edit = h("button", { type: "button", class: "button-secondary", t: "schedule.edit",
      on: { click: () => onEdit(item) } });
    const remove = h("button", { type: "button", class: "button-secondary", t: "schedule.remove" });
    remove.addEventListener("click", () => {
      const yes = h("button", { type: "button", class: "button", t: "schedule.confirmYes" });
      const no = h("button", { type: "button", class: "button-secondary", t: "schedule.cancel" });
      const labelId = uniqueId("confirm");
      const group = h("div", { role: "group", "aria-labelledby": labelId, class: "confirm" },
        h("p", { id: labelId, t: "schedule.confirmRemove" }), yes, no);
      clear(cell, group);
      yes.focus();
      no.addEventListener("click", () => {
        clear(cell, edit, remove);
        remove.focus();
      });
      yes.addEventListener("click", async () => {
        yes.disabled = true;
        try {
          const result = await ctx.api.delete(path(unitId, kind, item[idKey]),
            { query: { version: item.version }, idempotent: true });
          await load();
          notify("schedule.removed", result.slots);
        } catch (error) {
          cell.append(errorMessage(error));
          yes.disabled = false;
        }
      });
    });
    cell.append(edit, remove);
    return cell;
  }

  function drawAvailability() {
    const list = schedule.availability;
    const table = !list.length ? h("p", { t: "schedule.noAvailability" }) : h("div", { class: "table-wrap" },
      h("table", { class: "schedule-table" },
        h("thead", {}, h("tr", {}, ["who", "profession", "form", "days", "times", "length", "location", "valid",
          "changed", "actions"].map((c) => h("th", { scope: "col", t: `schedule.col.${c}` })))),
        h("tbody", {}, list.map((a) => h("tr", { dataset: { availabilityId: a.availability_id } },
          h("th", { scope: "row" }, a.staff_name),
          h("td", {}, codeLabel("profession", a.profession)),
          h("td", { t: `schedule.visit.${a.form}` }),
          h("td", {}, a.weekdays.map((d, i) => [i ? ", " : "", h("span", { t: `schedule.weekday.${d}` })])),
          h("td", {}, `${a.start}–${a.end}`),
          h("td", { t: "schedule.minutes", vars: { n: a.length_minutes } }),
          h("td", {}, a.location),
          h("td", { t: "schedule.validFrom", vars: { from: a.valid_from, to: a.valid_to } }),
          h("td", {}, changedBy(a)),
          actions(a, "availability", "availability_id", (item) => openAvailabilityForm(item)))))));
    clear(availabilityBody, table);
    if (!availabilityFormSlot.firstChild && schedule.staff.length) openAvailabilityForm(null, { focus: false });
  }

  function drawExceptions() {
    const list = schedule.exceptions;
    const table = !list.length ? h("p", { t: "schedule.noExceptions" }) : h("div", { class: "table-wrap" },
      h("table", { class: "schedule-table" },
        h("thead", {}, h("tr", {}, ["dates", "times", "appliesTo", "reason", "changed", "actions"]
          .map((c) => h("th", { scope: "col", t: `schedule.col.${c}` })))),
        h("tbody", {}, list.map((x) => h("tr", { dataset: { exceptionId: x.exception_id } },
          h("th", { scope: "row" }, x.first_day === x.last_day ? x.first_day : `${x.first_day} – ${x.last_day}`),
          h("td", x.start ? {} : { t: "schedule.wholeDay" }, x.start ? `${x.start}–${x.end}` : null),
          h("td", x.staff_hsa_id ? {} : { t: "schedule.wholeUnit" }, x.staff_hsa_id ? x.staff_name : null),
          h("td", {}, x.reason),
          h("td", {}, changedBy(x)),
          actions(x, "exceptions", "exception_id", (item) => openExceptionForm(item)))))));
    clear(exceptionsBody, table);
    if (!exceptionFormSlot.firstChild && schedule.staff.length + (schedule.can_edit_all ? 1 : 0)) {
      openExceptionForm(null, { focus: false });
    }
  }

  function notify(key, slots) {
    const affected = slots?.bookings_affected || [];
    const note = h("div", { class: "notice notice-success", role: "status", tabindex: "-1" },
      h("p", { t: key }),
      slots ? h("p", { t: "schedule.sync", vars: slots }) : null,
      affected.length ? [h("p", { t: "schedule.affected" }), h("ul", { class: "schedule-affected" },
        affected.map((s) => h("li", {}, h("time", { datetime: s.start, t: "fmt.datetime", vars: { at: s.start } }),
          ` – ${s.staff_name}, `, h("span", { t: `schedule.visit.${s.form}` }))))] : null);
    clear(notices, note);
    note.focus();
  }

  /** A form's submit: the fields' own errors, the server's error next to its field, and the summary. */
  function wireForm({ form, errors, fields, body, send, after }) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      Object.values(fields).forEach((f) => f.clearError());
      clear(errors);
      const problems = [];
      const payload = body((f, key) => problems.push({ field: f, key }));
      if (problems.length) {
        show(problems);
        return;
      }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const saved = await send(payload);
        if (destroyed) return;
        after();
        await load();
        notify("schedule.saved", saved.slots);
      } catch (error) {
        if (destroyed) return;
        const target = fields[error.field];
        if (target && error.status === 422) show([{ field: target, text: h("span", { l: errorTexts(error) }) }]);
        else {
          const reload = h("button", { type: "button", class: "button-secondary", t: "schedule.reload",
            on: { click: () => load() } });
          const alert = h("div", { class: "error-summary", role: "alert", tabindex: "-1" },
            h("h3", { t: "schedule.form.errorsTitle" }), h("p", { l: errorTexts(error) }),
            error.status === 409 ? reload : null);
          clear(errors, alert);
          alert.focus();
        }
      } finally {
        button.disabled = false;
      }
    });

    function show(problems) {
      const seen = new Set();
      for (const p of problems) {
        if (seen.has(p.field)) continue;
        seen.add(p.field);
        p.field.showError(p.key ? { key: p.key } : { text: p.text });
      }
      errorSummary(errors, "schedule.form.errorsTitle", problems.map((p) => ({
        field: p.field, key: p.key, text: p.text ? p.text.cloneNode(true) : null,
      })));
    }
  }

  function personSelect(includeUnit) {
    return h("select", {},
      includeUnit ? h("option", { value: "", t: "schedule.wholeUnit" }) : null,
      schedule.staff.map((s) => h("option", { value: s.hsa_id }, s.name)));
  }

  function openAvailabilityForm(item, { focus = true } = {}) {
    const headingId = uniqueId("avail-form");
    const errors = h("div");
    const who = field({ name: "staff_hsa_id", labelKey: "schedule.form.who", control: personSelect(false) });
    const profession = field({ name: "profession", labelKey: "schedule.form.profession", control: h("select", {}) });
    const form_ = field({ name: "form", labelKey: "schedule.form.form", control: h("select", {},
      FORMS.map((f) => h("option", { value: f, t: `schedule.visit.${f}` }))) });
    const weekdays = checkboxGroup("weekdays", "schedule.form.weekdays", WEEKDAYS, "schedule.weekdayLong");
    const start = field({ name: "start", labelKey: "schedule.form.start", hintKey: "schedule.form.timesHint",
      control: h("input", { type: "time" }) });
    const end = field({ name: "end", labelKey: "schedule.form.end", control: h("input", { type: "time" }) });
    const length = field({ name: "length_minutes", labelKey: "schedule.form.length",
      control: h("input", { type: "number", min: "5", max: "240", step: "5", inputmode: "numeric" }) });
    const location_ = field({ name: "location", labelKey: "schedule.form.location",
      hintKey: "schedule.form.locationHint", control: h("input", { type: "text", maxlength: "200" }) });
    const validFrom = field({ name: "valid_from", labelKey: "schedule.form.validFrom",
      control: h("input", { type: "date" }) });
    const validTo = field({ name: "valid_to", labelKey: "schedule.form.validTo", control: h("input", { type: "date" }) });
    const fields = { staff_hsa_id: who, profession, form: form_, weekdays, start, end, length_minutes: length,
      location: location_, valid_from: validFrom, valid_to: validTo };

    const fillProfessions = () => {
      const person = schedule.staff.find((s) => s.hsa_id === who.control.value);
      const keep = profession.control.value;
      clear(profession.control, (person?.professions || []).map((p) => h("option", { value: p,
        t: `profession.${p}`, vars: { fallback: p } })));
      if ([...profession.control.options].some((o) => o.value === keep)) profession.control.value = keep;
    };
    who.control.addEventListener("change", fillProfessions);

    if (item) {
      who.control.value = item.staff_hsa_id;
      fillProfessions();
      profession.control.value = item.profession;
      form_.control.value = item.form;
      weekdays.set(item.weekdays);
      start.control.value = item.start;
      end.control.value = item.end;
      length.control.value = String(item.length_minutes);
      location_.control.value = item.location;
      validFrom.control.value = item.valid_from;
      validTo.control.value = item.valid_to || "";
    } else {
      fillProfessions();
      weekdays.set(["mon", "tue", "wed", "thu", "fri"]);
      start.control.value = "08:00";
      end.control.value = "12:00";
      length.control.value = "30";
      validFrom.control.value = today();
    }
    const itemId = item?.availability_id || newId();
    const formHeading = h("h3", { id: headingId, tabindex: "-1",
      t: item ? "schedule.form.editAvailability" : "schedule.form.newAvailability" });
    const form = h("form", { class: "schedule-form form", novalidate: true, "aria-labelledby": headingId },
      formHeading, errors, who.el, profession.el, form_.el, weekdays.el,
      h("div", { class: "field-row" }, start.el, end.el, length.el),
      location_.el, h("div", { class: "field-row" }, validFrom.el, validTo.el),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "button", t: "schedule.save" }),
        item ? h("button", { type: "button", class: "button-secondary", t: "schedule.cancel",
          on: { click: () => reset() } }) : null));
    const reset = () => {
      clear(availabilityFormSlot);
      openAvailabilityForm(null, { focus: false });
    };
    wireForm({
      form, errors, fields,
      body: (problem) => {
        for (const f of [start, end, length, validFrom]) if (!f.control.value) problem(f, "schedule.err.required");
        if (!weekdays.values().length) problem(weekdays, "schedule.err.weekdays");
        return {
          version: item ? item.version : null,
          staff_hsa_id: who.control.value,
          profession: profession.control.value,
          form: form_.control.value,
          weekdays: weekdays.values(),
          start: start.control.value,
          end: end.control.value,
          length_minutes: Number(length.control.value),
          location: location_.control.value.trim(),
          valid_from: validFrom.control.value,
          valid_to: validTo.control.value || null,
        };
      },
      send: (payload) => ctx.api.request("PUT", path(unitId, "availability", itemId), { body: payload,
        idempotent: true }),
      after: () => clear(availabilityFormSlot),
    });
    clear(availabilityFormSlot, form);
    if (focus) formHeading.focus();
  }

  function openExceptionForm(item, { focus = true } = {}) {
    const headingId = uniqueId("exc-form");
    const errors = h("div");
    const firstDay = field({ name: "first_day", labelKey: "schedule.form.firstDay",
      control: h("input", { type: "date" }) });
    const lastDay = field({ name: "last_day", labelKey: "schedule.form.lastDay", control: h("input", { type: "date" }) });
    const start = field({ name: "start", labelKey: "schedule.form.start", hintKey: "schedule.form.exceptionTimesHint",
      control: h("input", { type: "time" }) });
    const end = field({ name: "end", labelKey: "schedule.form.end", control: h("input", { type: "time" }) });
    const appliesTo = field({ name: "staff_hsa_id", labelKey: "schedule.form.appliesTo",
      control: personSelect(schedule.can_edit_all) });
    const reason = field({ name: "reason", labelKey: "schedule.form.reason",
      control: h("input", { type: "text", maxlength: "200" }) });
    const fields = { first_day: firstDay, last_day: lastDay, start, end, staff_hsa_id: appliesTo, reason };
    if (item) {
      firstDay.control.value = item.first_day;
      lastDay.control.value = item.last_day;
      start.control.value = item.start || "";
      end.control.value = item.end || "";
      appliesTo.control.value = item.staff_hsa_id || "";
      reason.control.value = item.reason;
    } else {
      firstDay.control.value = today();
      lastDay.control.value = today();
    }
    const itemId = item?.exception_id || newId();
    const formHeading = h("h3", { id: headingId, tabindex: "-1",
      t: item ? "schedule.form.editException" : "schedule.form.newException" });
    const form = h("form", { class: "schedule-form form", novalidate: true, "aria-labelledby": headingId },
      formHeading, errors,
      h("div", { class: "field-row" }, firstDay.el, lastDay.el),
      h("div", { class: "field-row" }, start.el, end.el),
      appliesTo.el, reason.el,
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "button", t: "schedule.save" }),
        item ? h("button", { type: "button", class: "button-secondary", t: "schedule.cancel",
          on: { click: () => reset() } }) : null));
    const reset = () => {
      clear(exceptionFormSlot);
      openExceptionForm(null, { focus: false });
    };
    wireForm({
      form, errors, fields,
      body: (problem) => {
        for (const f of [firstDay, lastDay]) if (!f.control.value) problem(f, "schedule.err.required");
        return {
          version: item ? item.version : null,
          first_day: firstDay.control.value,
          last_day: lastDay.control.value,
          start: start.control.value || null,
          end: end.control.value || null,
          staff_hsa_id: appliesTo.control.value || null,
          reason: reason.control.value.trim(),
        };
      },
      send: (payload) => ctx.api.request("PUT", path(unitId, "exceptions", itemId), { body: payload,
        idempotent: true }),
      after: () => clear(exceptionFormSlot),
    });
    clear(exceptionFormSlot, form);
    if (focus) formHeading.focus();
  }

  await load();
  return () => {
    destroyed = true;
  };
}
