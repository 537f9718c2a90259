// What the unit's (unitadmin.js) and the region's (regionadmin.js) administration forms share: the professions, a
// unit's opening hours per channel and day, and its phone hours in both languages, each with the same checks
// (docs/administration.md).

import { codeLabel, h, timeEl, uniqueId } from "/shared/dom.js";
import { choiceGroup, field } from "/shared/forms.js";
import { addStrings } from "/shared/i18n.js";

export const PROFESSIONS = ["nurse", "doctor", "midwife", "psychologist", "physiotherapist", "occupational_therapist",
  "counsellor", "dietitian", "medical_secretary"];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const CHANNELS = ["chat", "video", "physical", "phone"];
const INTERVAL = /^([01]\d|2[0-3]):[0-5]\d\s*[–-]\s*(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

addStrings({
  sv: {
    "admin.lastChanged": (v) => `Senast ändrad av ${v.name}.`,
    "admin.loggedOut": (v) => (v.n === 1 ? "Personen loggades ut från 1 inloggning."
      : `Personen loggades ut från ${v.n} inloggningar.`),
    "openingHours.channel.chat": "Chatt",
    "openingHours.channel.video": "Video",
    "openingHours.channel.physical": "Besök",
    "openingHours.channel.phone": "Telefon",
    "openingHours.day.mon": "Måndag", "openingHours.day.tue": "Tisdag", "openingHours.day.wed": "Onsdag",
    "openingHours.day.thu": "Torsdag", "openingHours.day.fri": "Fredag", "openingHours.day.sat": "Lördag",
    "openingHours.day.sun": "Söndag",
    "openingHours.err.interval": "Skriv tiderna som 08:00–12:00, flera med komma.",
    "phoneHours.sv": "Telefontider (svenska)",
    "phoneHours.en": "Telefontider (engelska)",
    "phoneHours.hint": "Till exempel: vardagar 08.00–10.00. Fyll i båda eller inget.",
    "phoneHours.err.both": "Fyll i telefontiderna på både svenska och engelska, eller inget av dem.",
  },
  en: {
    "admin.lastChanged": (v) => `Last changed by ${v.name}.`,
    "admin.loggedOut": (v) => (v.n === 1 ? "The person was logged out of 1 session."
      : `The person was logged out of ${v.n} sessions.`),
    "openingHours.channel.chat": "Chat",
    "openingHours.channel.video": "Video",
    "openingHours.channel.physical": "Visits",
    "openingHours.channel.phone": "Phone",
    "openingHours.day.mon": "Monday", "openingHours.day.tue": "Tuesday", "openingHours.day.wed": "Wednesday",
    "openingHours.day.thu": "Thursday", "openingHours.day.fri": "Friday", "openingHours.day.sat": "Saturday",
    "openingHours.day.sun": "Sunday",
    "openingHours.err.interval": "Write the times as 08:00–12:00, several separated by commas.",
    "phoneHours.sv": "Phone hours (Swedish)",
    "phoneHours.en": "Phone hours (English)",
    "phoneHours.hint": "For example: weekdays 8–10 am. Fill in both or neither.",
    "phoneHours.err.both": "Fill in the phone hours in both Swedish and English, or neither.",
  },
});

export const text = (value = "") => h("input", { type: "text", value, autocomplete: "off" });

/** "Last changed by <name>. <when>" under a form's heading, once someone has changed it. */
export function lastChanged(view) {
  if (!view.changed_by_name) return null;
  return h("p", { class: "hint" }, h("span", { t: "admin.lastChanged", vars: { name: view.changed_by_name } }), " ",
    view.changed_at ? timeEl(view.changed_at) : null);
}

/** After a role was taken away: " The person was logged out of n sessions.", or nothing when there were none. */
export const loggedOut = (sessions) => (sessions
  ? [" ", h("span", { t: "admin.loggedOut", vars: { n: sessions } })] : []);

/** "08:00–12:00, 13:00–16:30" ⇄ [["08:00","12:00"],["13:00","16:30"]]; null when a part is not such a time. */
const showIntervals = (intervals = []) => intervals.map(([a, b]) => `${a}–${b}`).join(", ");
function parseIntervals(value) {
  const parts = value.split(",").map((p) => p.trim()).filter(Boolean);
  if (!parts.every((p) => INTERVAL.test(p))) return null;
  return parts.map((p) => p.split(/\s*[–-]\s*/));
}

/** Checkboxes of codes shown by their label (professions, roles, priorities) as one field. */
export function codeChoice(name, codes, chosen, legendKey, prefix = "profession") {
  return choiceGroup({ name, type: "checkbox", codes, chosen, legendKey, className: "field checkbox-group",
    inline: true, labelFor: (code) => codeLabel(prefix, code) });
}

/**
 * A fieldset per channel with a field per day, filled from `current` ({chat: {mon: [["08:00","12:00"]]}}).
 * read(problems) gives the opening hours as the API takes them and adds a problem for each day written wrongly.
 */
export function openingHours(current) {
  const days = [];
  const el = h("div", { class: "hours-grid" }, CHANNELS.map((channel) => {
    const legendId = uniqueId(`hours-${channel}`);
    const inputs = DAYS.map((day) => {
      const f = field({ name: `opening_hours.${channel}.${day}`, labelKey: `openingHours.day.${day}`,
        control: text(showIntervals(current?.[channel]?.[day])) });
      days.push({ channel, day, f });
      return f.el;
    });
    return h("fieldset", { class: "hours-channel", "aria-labelledby": legendId },
      h("legend", { id: legendId, t: `openingHours.channel.${channel}` }), inputs);
  }));
  return {
    el,
    fields: days.map((d) => d.f),
    read(problems) {
      const opening = {};
      for (const { channel, day, f } of days) {
        const value = f.control.value.trim();
        if (!value) continue;
        const intervals = parseIntervals(value);
        if (!intervals) problems.push({ field: f, key: "openingHours.err.interval" });
        else (opening[channel] ||= {})[day] = intervals;
      }
      return opening;
    },
  };
}

/**
 * The phone hours in Swedish and English, filled from `current` ({sv, en}). read(problems) gives {sv, en}, or null
 * when both are empty, and adds a problem when only one is filled in.
 */
export function phoneHours(current) {
  const sv = field({ name: "phone_hours_sv", labelKey: "phoneHours.sv", hintKey: "phoneHours.hint",
    control: text(current?.sv || "") });
  const en = field({ name: "phone_hours_en", labelKey: "phoneHours.en", control: text(current?.en || "") });
  return {
    sv, en,
    read(problems) {
      const said = { sv: sv.control.value.trim(), en: en.control.value.trim() };
      if (Boolean(said.sv) !== Boolean(said.en)) {
        problems.push({ field: said.sv ? en : sv, key: "phoneHours.err.both" });
      }
      return said.sv ? said : null;
    },
  };
}
