// Remiss till annan region (docs/referral-across-regions.md): on a case one holds, send it to a unit of a partner
// region with the patient's consent recorded (how it was given) and the patient's personnummer confirmed; the case
// stays one's own until the other region answers. And how such referrals show on the case page: to another region
// (state, consent) and from one (who sent it, the SBAR note, the chat held there).

import { clear, errorTexts, h, timeEl, uniqueId } from "/shared/dom.js";
import { IntentKey, choiceGroup, errorSummary, field } from "/shared/forms.js";
import { addStrings } from "/shared/i18n.js";

const SBAR = ["situation", "background", "assessment", "recommendation"];
const SBAR_MAX = 2000;
const CONSENT = ["chat", "phone", "video", "visit"];

addStrings({
  sv: {
    "regionRefer.open": "Remiss till annan region",
    "regionRefer.title": "Remiss till annan region",
    "regionRefer.lead": "Skicka ärendet till en vårdenhet i en annan region, till exempel där patienten bor. "
      + "Det kräver patientens samtycke. Ärendet och chatten följer med; du har kvar ärendet tills den andra "
      + "regionen har svarat.",
    "regionRefer.loading": "Hämtar regionerna …",
    "regionRefer.none": "Regionen har inga samarbetsregioner att remittera till.",
    "regionRefer.region": "Till region",
    "regionRefer.regionHint": "Regioner som tar emot remisser härifrån.",
    "regionRefer.chooseRegion": "Välj region",
    "regionRefer.unavailable": "{name} (svarar inte just nu)",
    "regionRefer.unit": "Mottagande vårdenhet",
    "regionRefer.unitHint": "Enheter i den valda regionen.",
    "regionRefer.chooseUnit": "Välj enhet",
    "regionRefer.regionFirst": "Välj region först",
    "regionRefer.profession": "Yrkesgrupp där",
    "regionRefer.professionHint": "Yrkesgrupperna som finns på den valda enheten.",
    "regionRefer.chooseProfession": "Välj yrkesgrupp",
    "regionRefer.unitFirst": "Välj enhet först",
    "regionRefer.consent": "Patientens samtycke",
    "regionRefer.consentHint": "Uppgifter lämnas till en annan vårdgivare bara med patientens samtycke. Ange hur "
      + "patienten gav det; det sparas med ditt namn och tiden.",
    "regionRefer.consent.chat": "I chatten",
    "regionRefer.consent.phone": "Per telefon",
    "regionRefer.consent.video": "Vid videomöte",
    "regionRefer.consent.visit": "Vid besök",
    "regionRefer.personalNumber": "Patientens personnummer",
    "regionRefer.personalNumberHint": "Kontrollera med patienten. 12 siffror, ÅÅÅÅMMDDNNNN. Den mottagande regionen "
      + "behöver det för journalen.",
    "regionRefer.sbar": "Överlämning (SBAR)",
    "regionRefer.sbarHint": "Det mottagande teamet läser det här först.",
    "regionRefer.submit": "Skicka remissen",
    "regionRefer.errorsTitle": "Remissen kunde inte skickas",
    "regionRefer.errRegion": "Välj en region.",
    "regionRefer.errUnit": "Välj en enhet.",
    "regionRefer.errProfession": "Välj en yrkesgrupp.",
    "regionRefer.errConsent": "Ange hur patienten gav sitt samtycke. Utan samtycke kan ärendet inte skickas.",
    "regionRefer.errPersonalNumber": "Skriv patientens personnummer med 12 siffror.",
    "regionRefer.guardianNumber": "Vårdnadshavarens personnummer",
    "regionRefer.guardianNumberHint": "En vårdnadshavare skickade ärendet för sitt barn. Med numret kan vårdnadshavaren "
      + "följa ärendet i den andra regionen också. 12 siffror.",
    "regionRefer.errGuardianNumber": "Skriv vårdnadshavarens personnummer med 12 siffror.",
    "regionRefer.done": "Remissen till {region} är registrerad och skickas nu. Du har kvar ärendet tills regionen "
      + "har svarat.",
    "referrals.state.sending": "Skickas",
    "referrals.state.delivered": "Hos den andra regionen, väntar på svar",
    "referrals.toRegion": "Till {unit}, {region}",
    "referrals.fromRegion": "Från {unit}, {region}",
    "referrals.consent": "Patientens samtycke, registrerat av {name}:",
    "referrals.history": "Chatten i {region}",
    "referrals.historyEmpty": "Inga meddelanden skrevs där.",
    "referrals.historyCitizen": "Patienten",
    "referralAnswer.regionLead": "Remiss från {from}, {region}, skickad av {name}. Ta ärendet för att ta emot "
      + "remissen, eller skicka tillbaka den med ett skäl.",
  },
  en: {
    "regionRefer.open": "Refer to another region",
    "regionRefer.title": "Refer to another region",
    "regionRefer.lead": "Send the case to a care unit of another region, for example where the patient lives. This "
      + "needs the patient's consent. The case and its chat go with it; you keep the case until the other region "
      + "has answered.",
    "regionRefer.loading": "Fetching the regions …",
    "regionRefer.none": "This region has no partner regions to refer to.",
    "regionRefer.region": "To region",
    "regionRefer.regionHint": "Regions that take referrals from here.",
    "regionRefer.chooseRegion": "Choose a region",
    "regionRefer.unavailable": "{name} (not answering just now)",
    "regionRefer.unit": "Receiving care unit",
    "regionRefer.unitHint": "Units of the chosen region.",
    "regionRefer.chooseUnit": "Choose a unit",
    "regionRefer.regionFirst": "Choose a region first",
    "regionRefer.profession": "Profession there",
    "regionRefer.professionHint": "The professions at the chosen unit.",
    "regionRefer.chooseProfession": "Choose a profession",
    "regionRefer.unitFirst": "Choose a unit first",
    "regionRefer.consent": "The patient's consent",
    "regionRefer.consentHint": "Data go to another care provider only with the patient's consent. Say how the "
      + "patient gave it; it is kept with your name and the time.",
    "regionRefer.consent.chat": "In the chat",
    "regionRefer.consent.phone": "By phone",
    "regionRefer.consent.video": "In a video meeting",
    "regionRefer.consent.visit": "At a visit",
    "regionRefer.personalNumber": "The patient's personal identity number",
    "regionRefer.personalNumberHint": "Check it with the patient. 12 digits, YYYYMMDDNNNN. The receiving region "
      + "needs it for the medical record.",
    "regionRefer.sbar": "Handover (SBAR)",
    "regionRefer.sbarHint": "The receiving team reads this first.",
    "regionRefer.submit": "Send the referral",
    "regionRefer.errorsTitle": "The referral could not be sent",
    "regionRefer.errRegion": "Choose a region.",
    "regionRefer.errUnit": "Choose a unit.",
    "regionRefer.errProfession": "Choose a profession.",
    "regionRefer.errConsent": "Say how the patient gave their consent. Without consent the case cannot be sent.",
    "regionRefer.errPersonalNumber": "Write the patient's personal identity number with 12 digits.",
    "regionRefer.guardianNumber": "The guardian's personal identity number",
    "regionRefer.guardianNumberHint": "A guardian sent the case for their child. With the number the guardian can "
      + "follow the case in the other region too. 12 digits.",
    "regionRefer.errGuardianNumber": "Write the guardian's personal identity number with 12 digits.",
    "regionRefer.done": "The referral to {region} is recorded and is being sent. You keep the case until the region "
      + "has answered.",
    "referrals.state.sending": "Being sent",
    "referrals.state.delivered": "At the other region, awaiting an answer",
    "referrals.toRegion": "To {unit}, {region}",
    "referrals.fromRegion": "From {unit}, {region}",
    "referrals.consent": "The patient's consent, recorded by {name}:",
    "referrals.history": "The chat in {region}",
    "referrals.historyEmpty": "No messages were written there.",
    "referrals.historyCitizen": "The patient",
    "referralAnswer.regionLead": "Referral from {from}, {region}, sent by {name}. Take the case to accept the "
      + "referral, or send it back with a reason.",
  },
});

/** The referral to another region still waiting for delivery or an answer, if any. */
export function openRegionReferral(c) {
  return (c.referrals || []).find((r) => r.kind === "region" && r.direction === "out"
    && ["sending", "delivered"].includes(r.state)) || null;
}

/** The form; `act("refer-region", body, {onFieldError})` sends it (handling.js). */
export function regionReferForm({ ctx, act, c }) {
  const regionSelect = h("select", {}, h("option", { value: "", t: "regionRefer.loading" }));
  const unitSelect = h("select", {});
  const professionSelect = h("select", {});
  const personalNumber = h("input", { type: "text", inputmode: "numeric", autocomplete: "off", maxlength: "13",
    spellcheck: "false" });
  const guardianNumber = h("input", { type: "text", inputmode: "numeric", autocomplete: "off", maxlength: "13",
    spellcheck: "false" });
  let regions = [];
  const chosenRegion = () => regions.find((r) => r.tenant === regionSelect.value);
  const chosenUnit = () => chosenRegion()?.units.find((u) => u.unit_id === unitSelect.value);

  function fillUnits() {
    const region = chosenRegion();
    clear(unitSelect, h("option", { value: "", t: region ? "regionRefer.chooseUnit" : "regionRefer.regionFirst" }),
      (region?.units || []).map((u) => h("option", { value: u.unit_id }, u.name)));
    fillProfessions();
  }
  function fillProfessions() {
    const unit = chosenUnit();
    const offered = unit?.professions || [];
    clear(professionSelect,
      h("option", { value: "", t: unit ? "regionRefer.chooseProfession" : "regionRefer.unitFirst" }),
      offered.map((p) => h("option", { value: p, t: `profession.${p}`, vars: { fallback: p } })));
  }
  fillUnits();
  regionSelect.addEventListener("change", fillUnits);
  unitSelect.addEventListener("change", fillProfessions);

  const fields = {
    to_region: field({ name: "to_region", labelKey: "regionRefer.region", hintKey: "regionRefer.regionHint",
      control: regionSelect }),
    to_unit_id: field({ name: "to_unit_id", labelKey: "regionRefer.unit", hintKey: "regionRefer.unitHint",
      control: unitSelect }),
    to_profession: field({ name: "to_profession", labelKey: "regionRefer.profession",
      hintKey: "regionRefer.professionHint", control: professionSelect }),
  };
  const consent = consentGroup();
  fields.consent = consent;
  fields.personal_number = field({ name: "personal_number", labelKey: "regionRefer.personalNumber",
    hintKey: "regionRefer.personalNumberHint", control: personalNumber });
  if (c?.sent_by_guardian) {
    fields.guardian_personal_number = field({ name: "guardian_personal_number", labelKey: "regionRefer.guardianNumber",
      hintKey: "regionRefer.guardianNumberHint", control: guardianNumber });
  }
  for (const k of SBAR) {
    fields[k] = field({ name: k, labelKey: `sbar.${k}`, hintKey: `sbar.${k}Hint`,
      control: h("textarea", { rows: "3", maxlength: String(SBAR_MAX) }) });
  }
  const errors = h("div");
  const intent = new IntentKey(); // the referral's id: a resubmit after a lost answer finds the referral made
  const submit = h("button", { type: "submit", class: "button", t: "regionRefer.submit" });
  const headingId = uniqueId("region-refer-heading");
  const sbarId = uniqueId("region-sbar");
  const body = h("div", {}, errors, fields.to_region.el, fields.to_unit_id.el, fields.to_profession.el,
    consent.el, fields.personal_number.el, fields.guardian_personal_number?.el,
    h("fieldset", { class: "group sbar-group", "aria-describedby": `${sbarId}-hint` },
      h("legend", { id: sbarId, t: "regionRefer.sbar" }),
      h("p", { id: `${sbarId}-hint`, class: "hint", t: "regionRefer.sbarHint" }),
      SBAR.map((k) => fields[k].el)),
    submit);
  const form = h("form", { class: "handling-form region-refer-form", novalidate: true,
    "aria-labelledby": headingId },
  h("h3", { id: headingId, t: "regionRefer.title" }),
  h("p", { class: "hint", t: "regionRefer.lead" }), body);

  ctx.api.get("/staff/regions").then((found) => {
    regions = found.regions || [];
    if (!regions.length) {
      clear(body, h("p", { class: "notice", t: "regionRefer.none" }));
      return;
    }
    clear(regionSelect, h("option", { value: "", t: "regionRefer.chooseRegion" }),
      regions.map((r) => h("option", r.available ? { value: r.tenant } : { value: r.tenant, disabled: true,
        t: "regionRefer.unavailable", vars: { name: r.name } }, r.available ? r.name : null)));
    fillUnits();
  }).catch((error) => clear(body, h("p", { class: "error", role: "alert", l: errorTexts(error) })));

  function show(problems) {
    problems.forEach((p) => p.field.showError(p.key ? { key: p.key } : { text: p.text }));
    errorSummary(errors, "regionRefer.errorsTitle", problems);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    Object.values(fields).forEach((f) => f.clearError());
    clear(errors);
    const sent = { to_region: regionSelect.value, to_unit_id: unitSelect.value, to_profession: professionSelect.value,
      consent: consent.value(), personal_number: personalNumber.value.replace(/\D/g, "") };
    for (const k of SBAR) sent[k] = fields[k].control.value.trim();
    const found = [];
    if (!sent.to_region) found.push({ field: fields.to_region, key: "regionRefer.errRegion" });
    else if (!sent.to_unit_id) found.push({ field: fields.to_unit_id, key: "regionRefer.errUnit" });
    else if (!sent.to_profession) found.push({ field: fields.to_profession, key: "regionRefer.errProfession" });
    if (!sent.consent) found.push({ field: consent, key: "regionRefer.errConsent" });
    if (sent.personal_number.length !== 12) {
      found.push({ field: fields.personal_number, key: "regionRefer.errPersonalNumber" });
    }
    if (fields.guardian_personal_number) {
      sent.guardian_personal_number = guardianNumber.value.replace(/\D/g, "");
      if (sent.guardian_personal_number.length !== 12) {
        found.push({ field: fields.guardian_personal_number, key: "regionRefer.errGuardianNumber" });
      }
    }
    for (const k of SBAR) if (!sent[k]) found.push({ field: fields[k], key: `sbar.${k}Missing` });
    if (found.length) {
      show(found);
      return;
    }
    sent.referral_id = intent.current();
    submit.disabled = true;
    await act("refer-region", sent, {
      toUnit: chosenRegion()?.name || sent.to_region,
      onFieldError: (error) => {
        const target = fields[error.field];
        if (!target) return false;
        show([{ field: target, text: h("span", { l: errorTexts(error) }) }]);
        return true;
      },
    });
    submit.disabled = false;
  });
  return form;
}

/** How the patient consented: one of four, as a radio group that works as a field of the error summary. */
function consentGroup() {
  return choiceGroup({ name: "consent", type: "radio", codes: CONSENT, legendKey: "regionRefer.consent",
    hintKey: "regionRefer.consentHint", className: "group consent-group",
    labelFor: (how) => ({ t: `regionRefer.consent.${how}` }) });
}

/** What a referral between regions adds to its entry in the case's list of referrals. */
export function regionReferralDetails(r) {
  const consent = r.consent || {};
  const how = consent.how ? h("span", { t: `regionRefer.consent.${consent.how}` }) : "";
  const route = r.direction === "out"
    ? h("span", { t: "referrals.toRegion", vars: { unit: r.to_unit_name || r.to_unit_id, region: r.to_region_name } })
    : h("span", { t: "referrals.fromRegion", vars: { unit: r.from_unit_name || r.from_unit_id,
      region: r.from_region_name } });
  const history = r.direction === "in" && Array.isArray(r.history) ? h("div", { class: "region-history" },
    h("h3", { t: "referrals.history", vars: { region: r.from_region_name } }),
    r.history.length ? h("ol", { class: "transcript" }, r.history.map((m) => h("li", {},
      h("span", { class: "label" }, m.sender === "citizen" ? h("span", { t: "referrals.historyCitizen" })
        : m.sender_name || ""), " ", timeEl(m.at), h("p", { class: "free-text" }, m.text))))
      : h("p", { t: "referrals.historyEmpty" })) : null;
  return [
    h("p", {}, route),
    consent.how ? h("p", { class: "consent" }, h("span", { t: "referrals.consent",
      vars: { name: consent.recorded_by_name || consent.recorded_by || "" } }), " ", how,
    consent.at ? [" ", timeEl(consent.at)] : null) : null,
    history,
  ];
}
