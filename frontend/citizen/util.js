// Small pieces the citizen views share: server errors on form fields, the link to change the intake, cached
// look-ups, and what one page hands the next.

import { errorMessage, errorTexts, h } from "/shared/dom.js";
import { errorSummary } from "/shared/forms.js";

/**
 * Shows an ApiError: on its field (and in the error summary) when the server named one of ours, else as a
 * message in `fallback`. The text is the server's, in the current language (message_sv in Swedish).
 */
export function showError(error, { fields = {}, summary = null, summaryKey = "", fallback }) {
  const target = fields[error?.field];
  if (target) {
    const texts = errorTexts(error);
    target.showError({ text: h("span", { l: texts }) });
    if (summary) errorSummary(summary, summaryKey, [{ field: target, text: h("span", { l: texts }) }]);
    else target.control.focus();
    return;
  }
  fallback.replaceChildren(errorMessage(error));
}

/** "Ändra det du skrev": the intake's fields for this draft (#/ny-kontakt/<draft_id>/andra). */
export function editIntakeLink(draftId) {
  return h("p", { class: "edit-intake" },
    h("a", { href: `#/ny-kontakt/${encodeURIComponent(draftId)}/andra`, t: "editIntake.link" }));
}

const advice = new Map();

/** A self-care article (GET /citizen/advice/{id}), fetched once per page load. */
export function loadAdvice(ctx, adviceId) {
  if (!advice.has(adviceId)) {
    const pending = ctx.api.get(`/citizen/advice/${encodeURIComponent(adviceId)}`);
    pending.catch(() => advice.delete(adviceId));
    advice.set(adviceId, pending);
  }
  return advice.get(adviceId);
}

let departments = null;

/** The region's akutmottagningar (GET /emergency-departments, public). */
export function loadDepartments(ctx) {
  departments ||= ctx.api.get("/emergency-departments").then((body) => body.departments || []);
  departments.catch(() => { departments = null; });
  return departments;
}

/** Something for the next page about one case or draft, taken once: set(id, value), then take(id) → value or null. */
class OneTime {
  constructor() {
    this.id = null;
    this.value = null;
  }

  set(id, value) {
    this.id = id;
    this.value = value;
  }

  take(id) {
    const value = this.id === id ? this.value : null;
    this.id = null;
    this.value = null;
    return value;
  }
}

/** A one-time notice for a case's page ("Tack! Ditt ärende är skickat."), shown once after navigating there. */
export const flash = new OneTime();

/**
 * What the intake editor hands back to the triage it returns to: {draft, notice}, the draft as the PATCH returned
 * it (so the page shows exactly that, without asking again) and a status message.
 */
export const intakeSaved = new OneTime();
