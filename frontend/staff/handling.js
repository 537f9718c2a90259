// One case in full on the staff case page: the summary (patient, who holds the case, time left), handling — Ta
// ärende, Lägg tillbaka i kön, Lämna över till kollega, Avsluta ärende — and the decisions (decisions.js: change
// priority/profession, remittera, answer a referral, journal note and FHIR export), what is known about the case
// (caseinfo.js: the intake in the summary, photos, triage, the triage's questions and answers, changes, referrals,
// earlier cases), the timeline, and the chat (read-only
// once closed) with the phrase-template picker.
// The page follows the case live: a "case" push for it (a colleague claimed, released, handed over, changed,
// referred or closed it) fetches the case again; a case that has left the unit (404) is said so.

import { mountChat } from "/shared/chat.js";
import { mountStaffVideo, takeVideoStartRequest } from "/shared/video.js";
import { clear, codeLabel, errorMessage, errorTexts, h, priorityBadge, timeEl, uniqueId } from "/shared/dom.js";
import { choiceGroup, errorSummary, field } from "/shared/forms.js";
import { bind } from "/shared/i18n.js";
import {
  earlierSection, intakeRows, overridesSection, photosSection, referralsSection, transcriptSection, triageSection,
} from "./caseinfo.js";
import { attachPicker } from "./chattools.js";
import { disclosure, overrideForm, recordSection, referForm, referralAnswer } from "./decisions.js";
import { openRegionReferral, regionReferForm } from "./regionreferral.js";
import { refreshMyCases } from "./mycases.js";
import "./staff-strings.js";
import { timeLeft } from "./timeleft.js";

const OUTCOMES = ["advice_given", "booked", "referred", "prescription", "no_action"];
const SUMMARY_MAX = 4000;
const OPEN = new Set(["queued", "claimed"]);

/** The logged-in staff member's HSA-id (from /api/me, or learnt from the server's answers); null while unknown. */
export function knownSelf(ctx) {
  return ctx.session.data?.hsa_id || null;
}

export function rememberSelf(ctx, hsaId) {
  if (!hsaId || !ctx.session.data || ctx.session.data.hsa_id === hsaId) return;
  ctx.session.data.hsa_id = hsaId;
  sessionStorage.setItem(ctx.session.key, JSON.stringify(ctx.session.data));
}

/** The referral waiting for an answer from the case's (receiving) unit, if any. */
export function pendingReferral(c) {
  const last = (c.referrals || []).at(-1);
  return last && last.state === "pending" && c.status === "queued" ? last : null;
}

/** The case page: returns its cleanup. `units` is the region's units by id (GET /units). */
export function caseWorkspace(ctx, initial, { units }) {
  const caseId = initial.case_id;
  const path = `/staff/cases/${encodeURIComponent(caseId)}`;
  let theCase = initial;
  let destroyed = false;
  let gone = false; // the case has left the unit (referred, sent back): no more reads
  let acting = false; // one's own action in flight: its answer shows the new state, its push echo is not news
  const unitName = (id) => units.get(id)?.name || id;

  const summary = h("dl", { class: "details" });
  const timeline = h("div");
  const handlingId = uniqueId("handling-heading");
  const messages = h("div", { class: "handling-messages" }); // notices and errors of one's own actions
  const liveNote = h("p", { class: "hint live-note", role: "status" }); // changes made by colleagues
  const handlingBody = h("div");
  const badge = h("span", { class: "kicker-badges" });
  const right = h("div", { class: "case-chat" });
  const transcriptSlot = h("div");
  const triageSlot = h("div");
  const historySlot = h("div");
  const earlierSlot = h("div");
  const photos = photosSection(ctx, caseId);
  const backLinks = h("p", { class: "back" });
  const left = h("div", { class: "case-info" },
    h("section", { class: "card", "aria-labelledby": "summary-heading" },
      h("h2", { id: "summary-heading", t: "staffCase.summary" }), summary),
    h("section", { class: "card handling", "aria-labelledby": handlingId },
      h("h2", { id: handlingId, t: "handling.title" }), liveNote, messages, handlingBody),
    photos.el, triageSlot, transcriptSlot, historySlot, earlierSlot,
    recordSection({ ctx, caseId }),
    h("section", { class: "card", "aria-labelledby": "timeline-heading" },
      h("h2", { id: "timeline-heading", t: "staffCase.timeline" }), timeline));
  ctx.main.append(
    backLinks,
    h("p", { class: "kicker" }, h("span", { t: "staffCase.kicker" }), badge),
    h("h1", { tabindex: "-1" }, theCase.reason),
    h("div", { class: "case-layout" }, left, right));
  const video = mountStaffVideo(ctx, caseId); // Starta videomöte, Bjud in tolk
  left.prepend(video.el);
  if (takeVideoStartRequest(caseId)) { // opened from Tidbok's "Öppna ärendet och starta video"
    video.el.scrollIntoView?.({ block: "start" });
    video.start();
  }

  let chat = null;
  let chatReadOnly = null;
  let pickerCleanup = null;
  function mountTheChat() {
    const readOnly = !OPEN.has(theCase.status);
    if (chat && readOnly === chatReadOnly) return;
    unmountChat();
    chat = mountChat(right, { ctx, caseId, emptyKey: "chat.emptyStaff", readOnly });
    chatReadOnly = readOnly;
    if (!readOnly) {
      const mounted = chat;
      pickerCleanup = attachPicker(ctx, theCase, chat.textarea || right.querySelector("textarea"))
        .catch((error) => {
          console.warn("phrase templates unavailable", error);
          return () => {};
        })
        .then((cleanup) => {
          if (chat !== mounted) cleanup();
          return cleanup;
        });
    }
  }

  function unmountChat() {
    chat?.destroy();
    chat = null;
    pickerCleanup?.then((cleanup) => cleanup());
    pickerCleanup = null;
    clear(right);
  }

  function holder(c) {
    if (c.status === "queued") return h("dd", { t: "handling.holderNone" });
    if (!c.claimed_by) return h("dd", { t: "handling.holderNobody" });
    const self = knownSelf(ctx);
    const who = c.claimed_by === self ? "handling.holderYou" : self ? "handling.holderColleague" : "handling.holderHsa";
    return h("dd", { class: "holder" },
      h("span", { t: who, vars: { hsa: c.claimed_by } }),
      c.claimed_at ? [" ", h("span", { class: "hint", t: "handling.since", vars: { at: c.claimed_at } })] : null,
      c.handed_by ? [" ", h("span", { class: "hint", t: "handling.handedBy", vars: { hsa: c.handed_by } })] : null);
  }

  function markers(c) {
    const pending = pendingReferral(c);
    return [
      pending ? h("span", { class: "marker marker-referral", t: "queue.referralFrom",
        vars: { unit: pending.from_unit_name || unitName(pending.from_unit_id) } }) : null,
      (c.overrides || []).length ? h("span", { class: "marker marker-override", t: "queue.overridden" }) : null,
    ];
  }

  function drawInfo() {
    const c = theCase;
    const open = OPEN.has(c.status);
    clear(backLinks,
      h("a", { href: `#/ko/${encodeURIComponent(c.unit_id)}`, t: "staffCase.back" }),
      h("span", { class: "sep", "aria-hidden": "true" }, " · "),
      h("a", { href: "#/pagaende", t: "staffCase.toOngoing" }));
    clear(badge, priorityBadge(c.priority), open && c.seconds_left !== undefined ? timeLeft(c.seconds_left) : null,
      markers(c));
    clear(summary,
      c.patient_name ? [h("dt", { t: "patient.name" }), h("dd", { class: "patient-name" }, c.patient_name)] : null,
      c.age_band !== undefined ? [h("dt", { t: "patient.ageBand" }), h("dd", { class: "age-band" }, c.age_band
        ? h("span", { t: "patient.years", vars: { band: c.age_band } }) : h("span", { t: "patient.ageUnknown" }))]
        : null,
      intakeRows(c),
      h("dt", { t: "staffCase.priority" }), h("dd", {}, priorityBadge(c.priority)),
      open && c.seconds_left !== undefined
        ? [h("dt", { t: "staffCase.timeLeft" }), h("dd", { class: "case-time-left" }, timeLeft(c.seconds_left),
          c.deadline ? [" ", h("span", { class: "hint", t: "staffCase.deadlineAt", vars: { at: c.deadline } })] : null)]
        : null,
      h("dt", { t: "staffCase.profession" }), h("dd", {}, codeLabel("profession", c.profession)),
      h("dt", { t: "staffCase.status" }), h("dd", { class: "case-status" }, codeLabel("status", c.status)),
      h("dt", { t: "handling.holder" }), holder(c),
      h("dt", { t: "staffCase.submitted" }), h("dd", {}, timeEl(c.submitted_at)),
      h("dt", { t: "staffCase.unit" }), h("dd", {}, unitName(c.unit_id)));
    clear(transcriptSlot, transcriptSection(c));
    clear(triageSlot, triageSection(c));
    clear(historySlot, overridesSection(c), referralsSection(c, units));
    clear(earlierSlot, earlierSection(c));
    const events = [...(c.timeline || [])].sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
    clear(timeline, events.length
      ? h("ol", { class: "timeline" }, events.map((e) => h("li", {},
        timeEl(e.occurred_at), " ", codeLabel("timeline", e.type))))
      : h("p", { t: "staffCase.timelineEmpty" }));
  }

  function drawHandling() {
    const c = theCase;
    const self = knownSelf(ctx);
    const pending = pendingReferral(c);
    if (pending) {
      clear(handlingBody, referralAnswer({ referral: pending, units, act, actionButton }));
    } else if (c.status === "queued") {
      clear(handlingBody,
        h("p", { t: "handling.queuedLead" }),
        h("div", { class: "actions" }, actionButton("handling.claim", "button", () => act("claim", {}))),
        disclosure("override.open", overrideForm({ theCase: c, units, act })));
    } else if (c.status === "claimed" && self && c.claimed_by !== self) {
      clear(handlingBody, h("p", { t: "handling.colleagueHolds", vars: { hsa: c.claimed_by || "" } }));
    } else if (c.status === "claimed") {
      clear(handlingBody,
        h("p", { t: self ? "handling.youHold" : "handling.holderUnknown" }),
        h("div", { class: "actions" },
          actionButton("handling.release", "button-secondary", () => act("release", {})),
          h("a", { href: `#/pagaende/${encodeURIComponent(caseId)}`, t: "handling.openInOngoing" })),
        h("div", { class: "decisions" },
          disclosure("override.open", overrideForm({ theCase: c, units, act })),
          disclosure("refer.open", referForm({ theCase: c, units, act })),
          openRegionReferral(c) ? null : disclosure("regionRefer.open", () => regionReferForm({ ctx, act, c }))),
        handOverForm(),
        closeForm());
    } else if (c.status === "closed") {
      clear(handlingBody, h("dl", { class: "details closed-details" },
        h("dt", { t: "handling.outcome" }), h("dd", {}, codeLabel("closeOutcome", c.close_outcome || "-")),
        h("dt", { t: "handling.summary" }), h("dd", { class: "free-text close-summary" }, c.close_summary || ""),
        c.closed_at ? [h("dt", { t: "handling.closedAt" }), h("dd", {}, timeEl(c.closed_at))] : null,
        c.closed_by ? [h("dt", { t: "handling.closedBy" }), h("dd", {}, c.closed_by === self
          ? h("span", { t: "handling.holderYou", vars: { hsa: c.closed_by } }) : c.closed_by)] : null));
    } else {
      clear(handlingBody, h("p", { t: "handling.notHandled" }));
    }
  }

  function actionButton(key, cls, onClick) {
    const button = h("button", { type: "button", class: cls, t: key });
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await onClick();
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  function show(updated) {
    theCase = updated;
    drawInfo();
    drawHandling();
    mountTheChat();
  }

  function notify(key, vars) {
    const note = h("p", { class: "notice notice-success", role: "status", tabindex: "-1", t: key, vars });
    clear(messages, note);
    note.focus();
  }

  function failed(error) {
    const alert = errorMessage(error, "p");
    alert.tabIndex = -1;
    clear(messages, alert);
    alert.focus();
    return alert;
  }

  /** The case is no longer at one's unit (referred on, or a referral sent back): say so and stop reading it. */
  function leave(key, vars, { focus = true } = {}) {
    gone = true;
    unmountChat();
    right.append(h("p", { class: "card hint", t: "staffCase.goneChat" }));
    const note = h("div", { class: "notice notice-success case-gone", role: "status", tabindex: "-1" },
      h("p", { t: key, vars }),
      h("p", {}, h("a", { href: `#/ko/${encodeURIComponent(initial.unit_id)}`, t: "staffCase.back" }), " · ",
        h("a", { href: "#/pagaende", t: "staffCase.toOngoing" })));
    clear(messages, note);
    clear(handlingBody);
    if (focus) note.focus();
    refreshMyCases();
  }

  const DONE = { claim: "handling.claimed", release: "handling.released", "hand-over": "handling.handedOver",
    close: "handling.closed", override: "override.done", "referral/accept": "referralAnswer.accepted" };

  /** One action on the case; field errors go to `onFieldError` (true = shown there). */
  async function act(action, body, { onFieldError = () => false, toUnit = "", toName = "" } = {}) {
    clear(messages);
    liveNote.textContent = "";
    acting = true;
    try {
      const updated = await ctx.api.post(`${path}/${action}`, body, { idempotent: true });
      if (destroyed) return;
      const mine = { claim: updated.claimed_by, "hand-over": updated.handed_by, close: updated.closed_by,
        "referral/accept": updated.claimed_by };
      rememberSelf(ctx, mine[action]);
      if (action === "refer") {
        leave("refer.done", { unit: toUnit || unitName(updated.unit_id) });
        return;
      }
      if (action === "refer-region") {
        show({ ...updated, earlier_cases: theCase.earlier_cases });
        notify("regionRefer.done", { region: toUnit });
        return;
      }
      if (action === "referral/reject") {
        leave("referralAnswer.rejected", { name: toName });
        return;
      }
      show({ ...updated, earlier_cases: theCase.earlier_cases }); // only the GET gives them: keep the page's
      const requeued = action === "override" && theCase.status === "queued" && body.profession;
      notify(requeued ? "override.doneQueued" : DONE[action], { hsa: body.to_hsa_id || "" });
      refreshMyCases();
    } catch (error) {
      if (destroyed) return;
      if (error.field && onFieldError(error)) return;
      failed(error);
      if ([403, 404, 409].includes(error.status)) refetch(); // the case changed under us: show it as it is now
    } finally {
      acting = false;
    }
  }

  function handOverForm() {
    const headingId = uniqueId("handover-heading");
    const input = h("input", { type: "text", autocomplete: "off", spellcheck: "false", maxlength: "64",
      class: "hsa-input" });
    const colleague = field({ name: "to_hsa_id", labelKey: "handover.label", hintKey: "handover.hint",
      control: input });
    const submit = h("button", { type: "submit", class: "button-secondary", t: "handover.submit" });
    const form = h("form", { class: "handling-form", novalidate: true, "aria-labelledby": headingId },
      h("h3", { id: headingId, t: "handover.title" }), colleague.el, submit);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      colleague.clearError();
      const hsa = input.value.trim();
      if (!hsa) {
        colleague.showError({ key: "handover.errEmpty" });
        input.focus();
        return;
      }
      submit.disabled = true;
      await act("hand-over", { to_hsa_id: hsa }, {
        onFieldError: (error) => {
          if (error.field !== "to_hsa_id") return false;
          colleague.showError({ text: h("span", { l: errorTexts(error) }) });
          input.focus();
          return true;
        },
      });
      submit.disabled = false;
    });
    return form;
  }

  function closeForm() {
    const headingId = uniqueId("close-heading");
    const outcome = choiceGroup({ name: "outcome", type: "radio", codes: OUTCOMES, legendKey: "close.outcome",
      labelFor: (code) => ({ t: `closeOutcome.${code}` }) });
    const textarea = h("textarea", { rows: "5", maxlength: String(SUMMARY_MAX) });
    const summaryField = field({ name: "summary", labelKey: "close.summary", hintKey: "close.summaryHint",
      control: textarea });
    const errors = h("div");
    const submit = h("button", { type: "submit", class: "button", t: "close.submit" });
    const form = h("form", { class: "handling-form close-form", novalidate: true, "aria-labelledby": headingId },
      h("h3", { id: headingId, t: "close.title" }), errors, outcome.el, summaryField.el, submit);
    const fields = { outcome, summary: summaryField };

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      Object.values(fields).forEach((f) => f.clearError());
      clear(errors);
      const chosen = outcome.value();
      const text = textarea.value.trim();
      const problems = [];
      if (!chosen) problems.push({ field: outcome, key: "close.errOutcome" });
      if (!text) problems.push({ field: summaryField, key: "close.errSummary" });
      if (problems.length) {
        problems.forEach((p) => p.field.showError({ key: p.key }));
        errorSummary(errors, "close.errorsTitle", problems);
        return;
      }
      submit.disabled = true;
      await act("close", { outcome: chosen, summary: text }, {
        onFieldError: (error) => {
          const target = fields[error.field];
          if (!target) return false;
          const texts = errorTexts(error);
          target.showError({ text: h("span", { l: texts }) });
          errorSummary(errors, "close.errorsTitle", [{ field: target, text: h("span", { l: texts }) }]);
          return true;
        },
      });
      submit.disabled = false;
    });
    return form;
  }

  // Live: refetch when a push says the case changed (not for the echo of one's own action).
  let refetching = null;
  function refetch() {
    if (gone) return Promise.resolve();
    refetching ||= ctx.api.get(path)
      .then((fresh) => {
        if (destroyed || gone) return;
        const back = !chat && OPEN.has(fresh.status); // back from "gone" (a referral sent back)
        if (!changed(theCase, fresh) && !back) return;
        show(fresh);
        if (back) {
          clear(messages);
          const last = (fresh.referrals || []).at(-1);
          bind(liveNote, "referrals.back", { name: last?.answered_by_name || "", reason: last?.reject_reason || "" });
        } else {
          bind(liveNote, `handling.live.${fresh.status}`, { fallback: "" });
        }
      }, (error) => {
        if (!destroyed && !gone && error?.status === 404) leave("staffCase.gone", {}, { focus: false });
      })
      .finally(() => { refetching = null; });
    return refetching;
  }

  const offs = [];
  const realtime = ctx.realtime();
  if (realtime) {
    let connected = realtime.status === "open";
    offs.push(
      realtime.on("case", (push) => {
        const c = push.case;
        if (!c || c.case_id !== caseId || acting) return;
        if (gone && c.claimed_by && c.claimed_by === knownSelf(ctx)) {
          gone = false; // a referral sent back: the case is mine again
          refetch();
        } else if (!gone && changed(theCase, c)) {
          refetch();
        }
      }),
      realtime.on("open", () => {
        if (connected) refetch(); // after a reconnect: a push may have been missed
        connected = true;
      }),
    );
  }

  show(theCase);
  return () => {
    destroyed = true;
    offs.forEach((off) => off());
    video.destroy();
    unmountChat();
  };
}

/** Whether a case (or a push about it) differs from what the page shows in what a push can change. */
function changed(shown, fresh) {
  if (Number.isInteger(fresh.version) && Number.isInteger(shown.version)) return fresh.version > shown.version;
  return ["status", "claimed_by", "priority", "profession", "unit_id"]
    .some((k) => k in fresh && (fresh[k] || null) !== (shown[k] || null));
}
