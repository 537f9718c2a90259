// The triage, one question per screen (#/ny-kontakt/<draft_id>). The server holds the draft and says which step
// is next; each answer names its step, so a double click or a retry can never skip a question. When the draft is
// finished, outcome.js takes over. "Ändra det du skrev" (on every question and on the summary) opens the intake's
// fields for this draft (intake.js); it comes back here with the draft as the server returned it.

import { clear, errorMessage, errorTexts, h, uniqueId } from "/shared/dom.js";
import { errorSummary } from "/shared/forms.js";
import { bind } from "/shared/i18n.js";
import { questionControl } from "./questions.js";
import { editIntakeLink, intakeSaved } from "./util.js";

/** The step ids answered in this tab, newest last: "Tillbaka" returns to the last one. */
class AnsweredSteps {
  constructor(draftId) {
    this.key = `nara.triage.${draftId}`;
    try {
      this.ids = JSON.parse(sessionStorage.getItem(this.key) || "[]");
    } catch {
      this.ids = [];
    }
  }

  push(id) {
    if (this.ids[this.ids.length - 1] !== id) this.ids.push(id);
    this.save();
  }

  /** After a change to the intake the server replays the answers; those a new path made moot are gone. */
  keep(count) {
    if (this.ids.length > count) this.ids = this.ids.slice(0, count);
    this.save();
  }

  pop() {
    const id = this.ids.pop();
    this.save();
    return id;
  }

  save() {
    try {
      sessionStorage.setItem(this.key, JSON.stringify(this.ids.slice(-100)));
    } catch {
      // not kept; "Tillbaka" then undoes the last answer on the server without naming it
    }
  }
}

export async function triageView(ctx, draftId) {
  ctx.setTitle("triage.title");
  const path = `/citizen/triage/${encodeURIComponent(draftId)}`;
  const saved = intakeSaved.take(draftId); // back from "Ändra det du skrev"
  const draft = saved?.draft || await ctx.api.get(path);
  const holder = h("div", { class: "triage" });
  ctx.main.append(holder);
  const answered = new AnsweredSteps(draftId);
  if (saved?.draft) answered.keep(draft.progress?.answered ?? 0);
  let cleanup = null;
  let destroyed = false;

  async function show(current, { focus = false, notice = null } = {}) {
    if (destroyed) return;
    cleanup?.();
    cleanup = null;
    if (current.case_id) {
      ctx.redirect(`/arenden/${encodeURIComponent(current.case_id)}`);
      return;
    }
    if (current.status !== "in_progress" || !current.step) {
      const { finishedView } = await import("./outcome.js");
      clear(holder);
      cleanup = await finishedView(ctx, current, holder, { back: () => goBack(current), notice });
    } else {
      clear(holder);
      renderQuestion(current, notice);
    }
    if (focus) holder.querySelector("h1")?.focus();
  }

  async function reload(notice) {
    try {
      await show(await ctx.api.get(path), { focus: true, notice });
    } catch (error) {
      holder.prepend(errorMessage(error));
    }
  }

  async function goBack(current) {
    const last = answered.pop();
    try {
      const body = last ? { step_id: last } : undefined;
      await show(await ctx.api.post(`${path}/back`, body, { idempotent: Boolean(last) }), { focus: true });
    } catch (error) {
      if (error.status === 409) return reload("triage.conflict");
      if (last) answered.push(last);
      holder.querySelector(".form-error")?.replaceChildren(errorMessage(error));
    }
    return current;
  }

  function renderQuestion(current, notice) {
    const step = current.step;
    const headingId = uniqueId("question");
    const control = questionControl(ctx, current, headingId, (value) => send(value));
    const summary = h("div");
    const formError = h("div", { class: "form-error" });
    const next = h("button", { type: "submit", class: "button", t: "triage.next" });
    const back = current.progress?.answered > 0
      ? h("button", { type: "button", class: "button-secondary", t: "triage.back" }) : null;
    const form = h("form", { class: "card form question", novalidate: true,
      dataset: { stepId: step.id, kind: step.kind, section: step.section } },
    summary, control.el, formError,
    h("div", { class: "actions" }, next, control.unknownButton, back));
    if (notice) holder.append(h("p", { class: "notice", role: "status", t: notice }));
    holder.append(progress(current), form, editIntakeLink(draftId));

    let busy = false;
    const buttons = () => form.querySelectorAll("button");
    async function send(value) {
      if (busy) return; // one answer per question: a second click waits for the first
      busy = true;
      buttons().forEach((b) => { b.disabled = true; });
      bind(next, "triage.sending");
      clear(formError);
      try {
        const after = await ctx.api.post(`${path}/answers`, { step_id: step.id, value }, { idempotent: true });
        answered.push(step.id);
        await show(after, { focus: true });
        return;
      } catch (error) {
        if (error.status === 409) {
          await reload("triage.conflict");
          return;
        }
        if (error.status === 422 && String(error.field || "").startsWith("value")) {
          const texts = errorTexts(error);
          control.showError({ text: h("span", { l: texts }) });
          errorSummary(summary, "triage.errorSummary", [{ field: control, text: h("span", { l: texts }) }]);
        } else {
          formError.append(errorMessage(error));
        }
      }
      busy = false;
      buttons().forEach((b) => { b.disabled = false; });
      bind(next, "triage.next");
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (busy) return;
      control.clearError();
      clear(summary);
      const { value, problem } = control.read();
      if (problem) {
        control.showError(problem);
        const text = problem.key ? h("span", { t: problem.key, vars: problem.vars }) : problem.text.cloneNode(true);
        errorSummary(summary, "triage.errorSummary", [{ field: control, text }]);
        return;
      }
      send(value);
    });
    back?.addEventListener("click", () => {
      if (busy) return;
      busy = true;
      buttons().forEach((b) => { b.disabled = true; });
      goBack(current).finally(() => { busy = false; });
    });
    cleanup = control.destroy;
  }

  await show(draft, { notice: saved?.notice });
  return () => {
    destroyed = true;
    cleanup?.();
  };
}

/** "Del 3 av 7: Viktiga symtom · 5 frågor besvarade", with a bar for the eye. */
function progress(draft) {
  const p = draft.progress || {};
  const { section_index: index, section_count: count } = p;
  const section = draft.step?.section;
  const text = h("p", { class: "progress-text" });
  if (index && count) {
    text.append(h("span", { t: "triage.progressShort", vars: { index, count } }));
    if (section) text.append(": ", h("span", { t: `triage.section.${section}`, vars: { fallback: section } }));
    text.append(" · ");
  }
  text.append(h("span", { t: "triage.answered", vars: { n: p.answered ?? 0 } }));
  let bar = null;
  if (index && count) {
    const done = h("span");
    done.style.width = `${Math.min(100, Math.round(((index - 1) / count) * 100))}%`; // CSSOM: allowed without inline styles
    bar = h("div", { class: "progress-bar", "aria-hidden": "true" }, done);
  }
  return h("div", { class: "progress" }, h("p", { class: "kicker", t: "triage.title" }), text, bar);
}
