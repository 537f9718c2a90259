// The parts of the staff case page that show what is known about the case: the patient, the intake (what the
// citizen wrote and answered), photos, the triage with its explanation and flags, staff's changes of the triage,
// referrals with their SBAR notes, and the patient's earlier cases at the unit. Each part is left out when the
// server did not send its data (an older case, or a field the API does not give).

import { clear, codeLabel, errorMessage, h, priorityBadge, timeEl, uniqueId } from "/shared/dom.js";
import { bindAttrs } from "/shared/i18n.js";
import { regionReferralDetails } from "./regionreferral.js";
import { timeLeft } from "./timeleft.js";

/** A card with a heading (h2) and its content. */
export function card(titleKey, ...content) {
  const id = uniqueId("card-heading");
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id, t: titleKey }), ...content);
}

function row(labelKey, ...value) {
  return [h("dt", { t: labelKey }), h("dd", {}, ...value)];
}

const has = (value) => value !== undefined && value !== null && value !== "";

function answerOf(c, stepId) {
  return (c.triage_answers || []).find((a) => a.step_id === stepId) || null;
}

function answerText(a) {
  if (a.answer_text && (a.answer_text.sv || a.answer_text.en)) return h("span", { l: a.answer_text });
  if (a.answer === "unknown") return h("span", { t: "intake.unknown" });
  return h("span", {}, Array.isArray(a.answer) ? a.answer.join(", ") : String(a.answer ?? ""));
}

/** What the citizen told, for the case page's summary: complaint, self-rated health, duration, own words,
 * expectations, and how the contact began when staff sent a link during a call (dt/dd pairs). */
export function intakeRows(c) {
  const health = answerOf(c, "self_rated_health");
  const duration = answerOf(c, "duration_days");
  const complaint = answerOf(c, "complaint");
  return [
    complaint ? row("intake.complaint", answerText(complaint)) : null,
    health ? row("intake.health", typeof health.answer === "number"
      ? h("span", { t: "intake.healthScore", vars: { n: health.answer } }) : answerText(health)) : null,
    duration ? row("intake.duration", answerText(duration)) : null,
    row("intake.ownWords", c.free_text
      ? h("span", { class: "free-text own-words" }, c.free_text) : h("span", { t: "staffCase.noFreeText" })),
    row("intake.expectations", c.expectations
      ? h("span", { class: "free-text expectations" }, c.expectations) : h("span", { t: "intake.noExpectations" })),
    c.entry?.channel === "phone_invite" ? row("intake.entry", h("span", { class: "entry", t: "intake.entryPhone",
      vars: { name: c.entry.invited_by_name || c.entry.invited_by } })) : null,
    c.entry?.channel === "unit_link" || c.entry?.channel === "app" ? row("intake.entry", h("span", { class: "entry",
      t: c.entry.channel === "app" ? "intake.entryApp" : "intake.entryLink" }),
    c.entry.profession ? [" (", codeLabel("profession", c.entry.profession), ")"] : null) : null,
  ];
}

/** Every question of the triage with the citizen's answer (folded); answers that fired a red flag are marked. */
export function transcriptSection(c) {
  const answers = c.triage_answers || [];
  if (!answers.length) return null;
  const flagged = new Set((c.triage?.red_flags || []).flatMap((f) => Object.keys(f.answers || {})));
  return card("intake.transcriptTitle", h("details", { class: "transcript" },
    h("summary", { t: "intake.transcript", vars: { n: answers.length } }),
    h("ol", { class: "qa-list" }, answers.map((a) => h("li", {
      class: flagged.has(a.step_id) ? "qa-flagged" : null, dataset: { step: a.step_id } },
    h("p", { class: "qa-question" }, a.question ? h("span", { l: a.question }) : a.step_id),
    h("p", { class: "qa-answer" }, answerText(a),
      a.from_context ? [" ", h("span", { class: "hint", t: "intake.fromContext" })] : null,
      flagged.has(a.step_id) ? [" ", h("span", { class: "marker marker-flag", t: "intake.redFlag" })] : null))))));
}

/** The triage: outcome, explanation, red flags, free-text flags, ruleset version, deadline. */
export function triageSection(c) {
  const triage = c.triage;
  if (!triage) return null;
  const flags = triage.red_flags || [];
  const textFlags = triage.free_text_flags || [];
  const questionOf = (stepId) => answerOf(c, stepId)?.question;
  return card("triage.title",
    h("dl", { class: "facts triage" },
      row("triage.priority", triage.priority ? priorityBadge(triage.priority) : h("span", { t: "triage.noPriority" }),
        c.priority && triage.priority && c.priority !== triage.priority
          ? [" ", h("span", { class: "hint", t: "triage.nowPriority", vars: { p: c.priority } })] : null),
      has(triage.disposition) ? row("triage.disposition", codeLabel("vardniva", triage.disposition)) : null,
      has(triage.profession) ? row("triage.profession", codeLabel("profession", triage.profession)) : null,
      has(c.deadline || triage.deadline) ? row("triage.deadline", timeEl(c.deadline || triage.deadline), " ",
        has(c.seconds_left) ? timeLeft(c.seconds_left) : null) : null,
      triage.explanation ? row("triage.explanation", h("span", { class: "explanation", l: triage.explanation })) : null,
      has(triage.ruleset_version) ? row("triage.ruleset", h("code", { class: "ruleset" }, triage.ruleset_version))
        : null,
      c.routing ? row("triage.routing", routingWhy(c.routing)) : null),
    h("h3", { t: "triage.redFlags" }),
    flags.length
      ? h("ul", { class: "flag-list red-flags" }, flags.map((f) => h("li", { class: "flag" },
        h("span", { class: "flag-icon", "aria-hidden": "true" }, "⚑"), " ",
        h("code", {}, f.rule_id),
        Object.keys(f.answers || {}).length ? h("ul", {}, Object.entries(f.answers).map(([step, value]) => h("li", {},
          questionOf(step) ? h("span", { l: questionOf(step) }) : step, " – ",
          answerOf(c, step) ? answerText(answerOf(c, step)) : String(value)))) : null)))
      : h("p", { t: "triage.noRedFlags" }),
    h("h3", { t: "triage.textFlags" }),
    textFlags.length
      ? h("ul", { class: "flag-list text-flags" }, textFlags.map((f) => h("li", { class: "flag" },
        h("q", {}, f.matched), " ",
        h("span", { t: "triage.textFlagOf", vars: { category: f.category, source: f.source } }),
        f.negated ? [" ", h("span", { class: "negated", t: "triage.negated" })] : null)))
      : h("p", { t: "triage.noTextFlags" }));
}

/** Why the case is at this unit: routing's explanation, and (folded) each alternative it considered and why. */
function routingWhy(routing) {
  const considered = routing.considered || [];
  return h("span", { class: "routing" },
    h("span", { class: "routing-explanation", l: routing.explanation }),
    considered.length > 1 || (considered.length === 1 && considered[0].reason !== "taken")
      ? h("details", { class: "routing-considered" }, h("summary", { t: "triage.routingConsidered",
        vars: { n: considered.length } }),
      h("ol", {}, considered.map((alt) => h("li", { dataset: { reason: alt.reason, rule: alt.rule } },
        h("span", { l: alt.text })))))
      : null);
}

/** Staff's changes of the triage's priority or profession, with their reasons. */
export function overridesSection(c) {
  const overrides = c.overrides || [];
  if (!overrides.length) return null;
  return card("overrides.title", h("ol", { class: "change-list overrides" }, overrides.map((o) => h("li", {},
    h("p", { class: "change-head" }, o.at ? timeEl(o.at) : null, " ",
      h("span", { t: "overrides.by", vars: { name: o.by_name || o.by || "" } })),
    h("p", {},
      o.from_priority !== o.to_priority ? h("span", { class: "change" },
        h("span", { t: "overrides.priority" }), " ", priorityBadge(o.from_priority || "-"), " → ",
        priorityBadge(o.to_priority || "-")) : null,
      o.from_priority !== o.to_priority && o.from_profession !== o.to_profession ? " · " : null,
      o.from_profession !== o.to_profession ? h("span", { class: "change" },
        h("span", { t: "overrides.profession" }), " ", codeLabel("profession", o.from_profession), " → ",
        codeLabel("profession", o.to_profession)) : null),
    h("p", { class: "free-text override-reason" }, h("span", { class: "label", t: "overrides.reason" }), " ",
      o.reason || "")))));
}

const SBAR = ["situation", "background", "assessment", "recommendation"];

/** The referrals (remisser) of the case, each with its SBAR note and answer. */
export function referralsSection(c, units) {
  const referrals = c.referrals || [];
  if (!referrals.length) return null;
  const unitName = (id) => units.get(id)?.name || id;
  return card("referrals.title", h("ol", { class: "change-list referrals" }, referrals.map((r) => h("li", {
    class: "referral", dataset: { state: r.state } },
  h("p", { class: "change-head" },
    h("span", { class: `referral-state referral-${r.state}`, t: `referrals.state.${r.state}`,
      vars: { fallback: r.state } })),
  r.kind === "region" ? regionReferralDetails(r) : h("p", {}, h("span", { t: "referrals.route", vars: {
    from: unitName(r.from_unit_id), to: unitName(r.to_unit_id) } }), " (",
  codeLabel("profession", r.from_profession), " → ", codeLabel("profession", r.to_profession), ")"),
  h("p", { class: "hint" }, h("span", { t: "referrals.sentBy", vars: { name: r.by_name || r.by || "" } }),
    r.at ? [" ", timeEl(r.at)] : null),
  r.kind === "overflow" ? h("p", { t: "referrals.overflow" })
    : h("dl", { class: "facts sbar" }, SBAR.map((k) => row(`sbar.${k}`, h("span", { class: "free-text" },
      r[k] || "")))),
  r.answered_at ? h("p", { class: "hint" },
    h("span", { t: r.state === "rejected" ? "referrals.rejectedBy" : "referrals.acceptedBy",
      vars: { name: r.answered_by_name || r.answered_by || "" } }), " ", timeEl(r.answered_at)) : null,
  r.reject_reason ? h("p", { class: "free-text reject-reason" }, h("span", { class: "label",
    t: "referrals.rejectReason" }), " ", r.reject_reason) : null))));
}

/** The patient's earlier cases at this unit (links: opening one is a read like any other, and is logged). */
export function earlierSection(c) {
  if (!Array.isArray(c.earlier_cases)) return null;
  const earlier = c.earlier_cases;
  return card("earlier.title", earlier.length
    ? h("ul", { class: "earlier-list" }, earlier.map((e) => h("li", {},
      h("a", { href: `#/arenden/${encodeURIComponent(e.case_id)}` }, e.reason), " ",
      e.priority ? priorityBadge(e.priority) : null,
      h("p", { class: "hint" },
        e.submitted_at ? timeEl(e.submitted_at) : null, " · ", codeLabel("status", e.status),
        e.close_outcome ? [" · ", codeLabel("closeOutcome", e.close_outcome)] : null))))
    : h("p", { t: "earlier.none" }));
}

/**
 * The case's photos as thumbnails; each opens the full-size photo in a modal dialog (Escape or the close button
 * closes it, and focus returns to the thumbnail). The section stays hidden when there are none.
 */
export function photosSection(ctx, caseId) {
  const body = h("div");
  const section = card("photos.title", body);
  section.hidden = true;
  const dialogTitle = uniqueId("photo-dialog-title");
  const big = h("img", { class: "photo-full", alt: "" });
  const caption = h("p", { id: dialogTitle, class: "photo-caption" });
  const closeButton = h("button", { type: "button", class: "button-secondary", t: "photos.close" });
  const dialog = h("dialog", { class: "photo-dialog", "aria-labelledby": dialogTitle },
    h("div", { class: "photo-dialog-head" }, caption, closeButton), big);
  let opener = null;
  closeButton.addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); }); // the backdrop
  dialog.addEventListener("close", () => {
    big.removeAttribute("src");
    opener?.focus();
  });
  section.append(dialog);

  const loaded = ctx.api.get(`/staff/cases/${encodeURIComponent(caseId)}/photos`).then((result) => {
    const photos = result?.photos || [];
    if (!photos.length) return;
    section.hidden = false;
    clear(body, h("ul", { class: "photo-list staff-photos" }, photos.map((p, i) => {
      const vars = { n: i + 1, count: photos.length, at: p.uploaded_at };
      const thumb = h("button", { type: "button", class: "photo-thumb" },
        h("img", { src: p.thumbnail_url, attrs: { alt: ["photos.thumbAlt", vars] } }));
      thumb.addEventListener("click", () => {
        opener = thumb;
        big.src = p.url;
        big.width = p.width;
        big.height = p.height;
        bindAttrs(big, { alt: ["photos.fullAlt", vars] });
        clear(caption, h("span", { t: "photos.caption", vars }));
        dialog.showModal();
        closeButton.focus();
      });
      return h("li", { class: "photo" }, thumb, h("span", { class: "hint" }, timeEl(p.uploaded_at)));
    })));
  }, (error) => {
    section.hidden = false;
    clear(body, errorMessage(error));
  });
  return { el: section, loaded };
}
