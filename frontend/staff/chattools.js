// What every staff chat gets besides the chat itself: the phrase-template picker (frasmallar, templates.js) with
// its variables filled from the case, the unit and the logged-in staff member.

import { translations } from "/shared/i18n.js";

/** The first name of a case's patient: patient_first_name (queue entries) or the first word of patient_name. */
export function firstName(c) {
  return (c?.patient_first_name || String(c?.patient_name || "").trim().split(/\s+/)[0] || "").trim();
}

/** The values of the template variables for one case ({förnamn}, {enhet}, {telefon}, …) in a template's language;
 * unknown ones are left out, so the picker shows a placeholder instead of a wrong value. The profession is the one
 * the case is for, as a word in a sentence ("och är sjuksköterska på", "I am a nurse at"). */
export async function templateValues(ctx, c, language = "sv") {
  const [me, units] = await Promise.all([ctx.me().catch(() => null), ctx.units().catch(() => new Map())]);
  const unit = units.get(c.unit_id);
  const roles = (me?.roles || []).filter((r) => r.unit_id === c.unit_id).map((r) => r.role);
  const role = roles.includes(c.profession) ? c.profession : roles[0];
  const values = {
    förnamn: firstName(c),
    enhet: unit?.name || "",
    telefon: unit?.phone || "",
    telefontid: unit?.phone_hours?.sv || "",
    mitt_namn: ctx.session.name || "",
    yrkesroll: role ? String(translations(`profession.${role}`)[language] || "").toLowerCase() : "",
  };
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value));
}

/** Attaches the template picker to a chat's send box; returns its cleanup (a no-op when there is no box). */
export async function attachPicker(ctx, c, textarea) {
  if (!textarea) return () => {};
  const { attachTemplatePicker } = await import("./templates.js");
  if (!textarea.isConnected) return () => {};
  const values = (template) => templateValues(ctx, c, template?.language === "en" ? "en" : "sv");
  const picker = attachTemplatePicker({ ctx, textarea, unitId: c.unit_id, values });
  return () => picker?.destroy?.();
}
