// "Skicka inloggningslänk" (från telefon till digitalt): staff talking to a caller send them an SMS with a login
// link (POST /staff/units/{unit}/phone-invites). After BankID the caller's new contact starts at this unit. The SMS
// says only "Logga in i Nära" and the link — write nothing about why they called.

import { clear, errorMessage, errorTexts, h, timeEl, uniqueId } from "/shared/dom.js";
import { errorSummary, field, IntentKey } from "/shared/forms.js";
import { addStrings } from "/shared/i18n.js";

addStrings({
  sv: {
    "invite.title": "Skicka inloggningslänk",
    "invite.lead": "Pratar du med någon i telefon? Skicka en länk så att hen kan logga in med BankID och beskriva "
      + "sitt ärende digitalt. Ärendet hamnar hos den här mottagningen. Sms:et innehåller bara länken.",
    "invite.phone": "Mobilnummer",
    "invite.phoneHint": "Till exempel 070-123 45 67 eller +46 70 123 45 67",
    "invite.send": "Skicka länken",
    "invite.sending": "Skickar …",
    "invite.sent": "Länken är skickad till {to}. Den gäller i 24 timmar, till",
    "invite.errorSummary": "Länken kunde inte skickas",
    "invite.errPhone": "Skriv mobilnumret.",
  },
  en: {
    "invite.title": "Send a login link",
    "invite.lead": "Talking to someone on the phone? Send them a link so they can log in with BankID and describe "
      + "their matter online. The case comes to this unit. The text message contains only the link.",
    "invite.phone": "Mobile number",
    "invite.phoneHint": "For example 070-123 45 67 or +46 70 123 45 67",
    "invite.send": "Send the link",
    "invite.sending": "Sending …",
    "invite.sent": "The link was sent to {to}. It is valid for 24 hours, until",
    "invite.errorSummary": "The link could not be sent",
    "invite.errPhone": "Write the mobile number.",
  },
});

/** The form, for one unit: a disclosure that opens a field for the number and a send button. */
export function phoneInviteForm(ctx, unitId) {
  const headingId = uniqueId("invite");
  const phone = field({
    name: "phone", labelKey: "invite.phone", hintKey: "invite.phoneHint",
    control: h("input", { type: "tel", autocomplete: "off", inputmode: "tel", required: true }),
  });
  const summary = h("div");
  const status = h("div", { role: "status", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "button" }, h("span", { t: "invite.send" }));
  const form = h("form", { class: "form phone-invite-form", novalidate: true, "aria-labelledby": headingId },
    h("p", { class: "hint", t: "invite.lead" }), summary, phone.el, submit, status);
  const intent = new IntentKey();
  phone.control.addEventListener("input", () => intent.reset()); // another number: another invitation

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    phone.clearError();
    clear(status);
    const number = phone.control.value.trim();
    if (!number) {
      phone.showError({ key: "invite.errPhone" });
      errorSummary(summary, "invite.errorSummary", [{ field: phone, key: "invite.errPhone" }]);
      return;
    }
    clear(summary);
    submit.disabled = true;
    clear(submit, h("span", { t: "invite.sending" }));
    try {
      const sent = await ctx.api.post(`/staff/units/${encodeURIComponent(unitId)}/phone-invites`, { phone: number },
        { idempotencyKey: intent.current() });
      intent.reset();
      phone.control.value = "";
      status.append(h("p", { class: "success" },
        h("span", { t: "invite.sent", vars: { to: sent.sent_to } }), " ", timeEl(sent.expires_at), "."));
    } catch (error) {
      if (error?.status === 422) {
        phone.showError({ text: h("span", { l: errorTexts(error) }) });
        errorSummary(summary, "invite.errorSummary", [{ field: phone, text: h("span", { l: errorTexts(error) }) }]);
      } else {
        status.append(errorMessage(error));
      }
    } finally {
      submit.disabled = false;
      clear(submit, h("span", { t: "invite.send" }));
    }
  });

  return h("details", { class: "card phone-invite" },
    h("summary", {}, h("span", { id: headingId, t: "invite.title" })), form);
}
