// After the last question. Emergency, 1177 and self-care outcomes are shown at once and the case is recorded in
// the background (the submit is idempotent); chat, video and physical first show what will be sent, with optional
// pictures, and are sent with "Skicka". Outcome pages are drawn from a case's disposition (the server may move a
// chat to 1177 after hours), so the case page uses outcomePanel too.

import { clear, errorMessage, h, uniqueId } from "/shared/dom.js";
import { IntentKey } from "/shared/forms.js";
import { bind, language, onLanguageChange, pickLanguage } from "/shared/i18n.js";
import { mountPhotos } from "./photos.js";
import { editIntakeLink, flash, loadAdvice, loadDepartments } from "./util.js";

const RIGHT_AWAY = new Set(["emergency_112", "emergency_department", "call_1177", "self_care"]);

export async function finishedView(ctx, draft, holder, { back, notice = null }) {
  const submitPath = `/citizen/triage/${encodeURIComponent(draft.draft_id)}/submit`;
  const disposition = draft.outcome?.disposition;
  if (RIGHT_AWAY.has(disposition)) {
    const recorded = ctx.api.post(submitPath, { choose_contact: false }, { idempotent: true });
    const panel = outcomePanel(ctx, { disposition, result: draft.outcome, casePromise: recorded,
      after: recorded.catch(() => null) });
    holder.append(panel.el);
    const problem = h("div");
    holder.append(problem);
    recorded.then((theCase) => {
      if (theCase.disposition !== disposition) ctx.redirect(`/arenden/${encodeURIComponent(theCase.case_id)}`);
      // a reload now opens the recorded case (no hashchange, so this page stays as it is)
      else history.replaceState(null, "", `#/arenden/${encodeURIComponent(theCase.case_id)}`);
    }, (error) => problem.append(errorMessage(error)));
    panel.revealed();
    return panel.destroy;
  }
  return summaryView(ctx, draft, holder, { back, submitPath, notice });
}

async function summaryView(ctx, draft, holder, { back, submitPath, notice }) {
  const [units, children] = await Promise.all([
    ctx.units(), draft.for_child ? ctx.api.get("/citizen/children").then((b) => b.children) : [],
  ]);
  const child = children.find((c) => c.child_id === draft.for_child);
  const row = (key, value) => [h("dt", { t: key }),
    value ? h("dd", { class: "free-text" }, value) : h("dd", { t: "summary.none" })];
  const notify = [draft.notify_sms, draft.notify_email].filter(Boolean).join(", ");
  const error = h("div");
  const send = h("button", { type: "button", class: "button", t: "summary.send" });
  const change = h("button", { type: "button", class: "button-secondary", t: "summary.changeAnswers" });
  const photos = mountPhotos(ctx, draft);
  holder.append(
    notice ? h("p", { class: "notice", role: "status", t: notice }) : null,
    h("p", { class: "kicker", t: "triage.title" }),
    h("h1", { tabindex: "-1", t: "summary.title" }),
    h("p", { class: "lead", t: "summary.lead" }),
    h("section", { class: "card", "aria-labelledby": "summary-outcome" },
      h("h2", { id: "summary-outcome", t: "summary.outcome" }),
      h("p", { class: "disposition", t: `disposition.${draft.outcome.disposition}` }),
      h("p", { l: draft.outcome.explanation })),
    h("section", { class: "card", "aria-labelledby": "summary-details" },
      h("h2", { id: "summary-details", t: "case.details" }),
      h("dl", { class: "details" },
        row("summary.unit", units.get(draft.unit_id)?.name || draft.unit_id),
        child ? row("summary.patient", child.name) : null,
        row("summary.reason", draft.reason),
        row("summary.freeText", draft.free_text),
        row("summary.expectations", draft.expectations),
        row("summary.notify", notify)),
      editIntakeLink(draft.draft_id)),
    photos.el,
    error,
    h("div", { class: "actions" }, send, change));

  let busy = false;
  send.addEventListener("click", async () => {
    if (busy || photos.busy()) return;
    busy = true;
    send.disabled = true;
    change.disabled = true;
    bind(send, "summary.sending");
    clear(error);
    try {
      const theCase = await ctx.api.post(submitPath, { choose_contact: false }, { idempotent: true });
      flash.set(theCase.case_id, "case.sent");
      ctx.navigate(`/arenden/${encodeURIComponent(theCase.case_id)}`);
    } catch (e) {
      error.append(errorMessage(e));
      busy = false;
      send.disabled = false;
      change.disabled = false;
      bind(send, "summary.send");
    }
  });
  change.addEventListener("click", () => {
    if (busy) return;
    busy = true;
    change.disabled = true;
    back().finally(() => { busy = false; });
  });
  return photos.destroy;
}

/**
 * The outcome page for a disposition: {el, revealed(), destroy()}. result is the triage (explanation, advice_id,
 * crisis_info); caseId or casePromise names the case for "Jag vill ändå ha kontakt".
 */
export function outcomePanel(ctx, { disposition, result, caseId = null, casePromise = null, after = null }) {
  // What the page fetches waits until the case is recorded: recording it comes first.
  const ready = after || Promise.resolve();
  const why = result?.explanation
    ? [h("h2", { t: "outcome.why" }), h("p", { class: "explanation", l: result.explanation })] : [];
  const cleanups = [];
  let el;
  if (disposition === "emergency_112") {
    el = h("section", { class: "emergency-screen", "aria-labelledby": "e112-title" },
      h("div", { role: "alert" }, h("h1", { id: "e112-title", tabindex: "-1", t: "e112.title" })),
      h("p", { class: "lead", t: "e112.lead" }),
      h("p", {}, h("a", { class: "call-link", href: "tel:112", t: "e112.call" })),
      why,
      h("p", { t: "e112.recorded" }),
      h("p", {}, h("a", { href: "#/arenden", t: "case.back" })));
  } else if (disposition === "emergency_department") {
    const list = h("div", { class: "departments" }, h("p", { t: "common.loading" }));
    el = h("section", { class: "outcome outcome-urgent", "aria-labelledby": "ed-title" },
      h("h1", { id: "ed-title", tabindex: "-1", t: "ed.title" }),
      h("p", { class: "lead", t: "ed.lead" }),
      why,
      h("h2", { t: "ed.listTitle" }),
      list,
      h("p", { class: "notice notice-error" }, h("span", { t: "ed.cannotTravel" }), " ",
        h("a", { href: "tel:112", t: "emergency.call" })));
    ready.then(() => loadDepartments(ctx)).then((departments) => clear(list, departmentList(departments)),
      () => clear(list, h("p", { t: "ed.none" }), h("p", {}, h("a", { href: "tel:1177", t: "c1177.call" }))));
  } else if (disposition === "call_1177") {
    el = h("section", { class: "outcome outcome-urgent", "aria-labelledby": "c1177-title" },
      h("h1", { id: "c1177-title", tabindex: "-1", t: "c1177.title" }),
      h("p", { class: "lead", t: "c1177.lead" }),
      h("p", {}, h("a", { class: "call-link call-link-1177", href: "tel:1177", t: "c1177.call" })),
      why);
  } else {
    el = selfCarePanel(ctx, { result, caseId, casePromise, why, cleanups, ready });
  }
  return {
    el,
    revealed() {
      if (disposition === "emergency_112") el.scrollIntoView({ block: "start" }); // fill the screen with it
    },
    destroy: () => cleanups.forEach((fn) => fn()),
  };
}

function departmentList(departments) {
  if (!departments.length) return h("p", { t: "ed.none" });
  return h("ul", { class: "department-list" }, departments.map((d) => h("li", { class: "card" },
    h("h3", {}, d.name),
    h("p", {}, d.address),
    h("p", {}, h("span", { t: "ed.phone" }), ": ", h("a", { href: `tel:${d.phone.replace(/[^\d+]/g, "")}` }, d.phone)),
    d.hours ? h("p", {}, h("span", { t: "ed.hours" }), ": ", h("span", { l: d.hours })) : null)));
}

function selfCarePanel(ctx, { result, caseId, casePromise, why, cleanups, ready }) {
  const article = h("div", { class: "advice" });
  const error = h("div");
  const contact = h("button", { type: "button", class: "button", t: "self.contact" });
  const titleId = uniqueId("self-title");
  const el = h("section", { class: "outcome", "aria-labelledby": titleId },
    h("h1", { id: titleId, tabindex: "-1", t: "self.title" }),
    h("p", { class: "lead", t: "self.lead" }),
    why,
    result?.crisis_info ? crisisInfo() : null,
    article,
    h("section", { class: "card contact-anyway", "aria-labelledby": `${titleId}-contact` },
      h("h2", { id: `${titleId}-contact`, t: "self.contactTitle" }),
      h("p", { t: "self.contactLead" }),
      error,
      contact));
  if (result?.advice_id) {
    ready.then(() => loadAdvice(ctx, result.advice_id)).then((advice) => {
      const draw = () => clear(article, adviceArticle(advice));
      draw();
      cleanups.push(onLanguageChange(draw));
    }, () => clear(article, h("p", { t: "self.noAdvice" })));
  }

  const intent = new IntentKey();
  let busy = false;
  contact.addEventListener("click", async () => {
    if (busy) return;
    busy = true;
    contact.disabled = true;
    bind(contact, "self.contacting");
    clear(error);
    try {
      const id = caseId || (await casePromise).case_id;
      const theCase = await ctx.api.post(`/citizen/cases/${encodeURIComponent(id)}/contact`, {},
        { idempotencyKey: intent.current() });
      flash.set(theCase.case_id, "case.contactChosen");
      ctx.navigate(`/arenden/${encodeURIComponent(theCase.case_id)}`);
    } catch (e) {
      error.append(errorMessage(e));
      busy = false;
      contact.disabled = false;
      bind(contact, "self.contact");
    }
  });
  return el;
}

function crisisInfo() {
  const line = (lead, number, call) => h("li", {}, h("span", { t: lead }), h("a", { href: `tel:${number}`, t: call }));
  return h("section", { class: "card crisis", "aria-labelledby": "crisis-title" },
    h("h2", { id: "crisis-title", t: "crisis.title" }),
    h("ul", {},
      line("crisis.suicide", "90101", "crisis.suicideCall"),
      line("crisis.danger", "112", "crisis.dangerCall"),
      line("crisis.advice", "1177", "crisis.adviceCall")));
}

/** The advice in the current language: headed sections, "- " lines as lists, and the sources. Text only. */
function adviceArticle(advice) {
  const lang = language();
  return h("article", { class: "card", lang },
    h("h2", {}, pickLanguage(advice.title)),
    (advice.sections || []).map((section) => h("section", { class: `advice-section advice-${section.id}` },
      h("h3", {}, pickLanguage(section.title)),
      paragraphs(pickLanguage(section.text)))),
    advice.sources?.length ? [h("h3", { t: "self.sources" }),
      h("ul", { class: "sources" }, advice.sources.map((s) => h("li", {},
        s.url ? h("a", { href: s.url, rel: "noopener" }, s.title) : s.title,
        s.publisher ? ` (${s.publisher})` : "")))] : null);
}

/**
 * Plain text to paragraphs and lists: "- " starts a list item, an indented line continues it, a blank line ends a
 * paragraph, and other line breaks are only wrapping.
 */
function paragraphs(text) {
  const blocks = []; // {list: [items]} or {para: [lines]}
  let current = null;
  for (const raw of String(text || "").split("\n")) {
    const line = raw.trim();
    if (!line) {
      current = null;
    } else if (line.startsWith("- ")) {
      if (!current?.list) blocks.push(current = { list: [] });
      current.list.push([line.slice(2)]);
    } else if (current?.list && /^\s/.test(raw)) {
      current.list[current.list.length - 1].push(line);
    } else {
      if (!current?.para) blocks.push(current = { para: [] });
      current.para.push(line);
    }
  }
  return blocks.map((b) => (b.list
    ? h("ul", {}, b.list.map((item) => h("li", {}, item.join(" "))))
    : h("p", {}, b.para.join(" "))));
}
