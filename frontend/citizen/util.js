// Small pieces the citizen views share: server errors on form fields, and cached look-ups.

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

/** A one-time notice for a case's page ("Tack! Ditt ärende är skickat."), shown once after navigating there. */
export const flash = {
  caseId: null,
  key: null,
  set(caseId, key) {
    this.caseId = caseId;
    this.key = key;
  },
  take(caseId) {
    const key = this.caseId === caseId ? this.key : null;
    this.caseId = null;
    this.key = null;
    return key;
  },
};
