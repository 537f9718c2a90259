// One triage question as form controls, by the step's kind: radio buttons (single choice, yes/no), check boxes
// (multiple choice), a number (self-rated health: a slider with a number box), a text box, and the complaint
// step as a search with suggestions above the full list. "Vet ej" is offered whenever the step allows it.
// The question's text comes from the server in both languages and follows the language switch.

import { clear, h, uniqueId } from "/shared/dom.js";
import { pickLanguage } from "/shared/i18n.js";

const UNKNOWN = "unknown";
const YES_NO = [{ id: "yes", t: "triage.yes" }, { id: "no", t: "triage.no" }];

/**
 * {el, control, read() → {value} | {problem}, showError(problem), clearError(), unknownButton, destroy()}.
 * `control` is what an error summary links to; `send(value)` answers right away (the "Vet ej" button).
 */
export function questionControl(ctx, draft, headingId, send) {
  const step = draft.step;
  if (step.id === "complaint") return complaintQuestion(ctx, draft, headingId);
  if (step.kind === "multiple_choice") return choiceQuestion(step, headingId, { multiple: true });
  if (step.kind === "single_choice" || step.kind === "yes_no") return choiceQuestion(step, headingId, {});
  if (step.kind === "number") return numberQuestion(step, headingId, send);
  return textQuestion(step, headingId, send);
}

function helpText(step) {
  if (!step.help) return { el: null, id: null };
  const id = uniqueId("help");
  return { el: h("p", { id, class: "hint", l: step.help }), id };
}

/** The error line shown above the controls; returns {el, show, clear}. */
function errorLine() {
  const el = h("p", { class: "field-error", id: uniqueId("error"), hidden: true });
  return {
    el,
    show({ key, vars, text }) {
      clear(el, key ? h("span", { t: key, vars }) : text);
      el.hidden = false;
    },
    clear() {
      el.hidden = true;
      clear(el);
    },
  };
}

function option(type, name, value, label, { checked = false } = {}) {
  const id = uniqueId("option");
  return h("div", { class: "option" },
    h("input", { type, id, name, value, checked }),
    h("label", { for: id, ...label }));
}

function choiceQuestion(step, headingId, { multiple = false, legend = null }) {
  const name = uniqueId(step.id);
  const type = multiple ? "checkbox" : "radio";
  const help = legend ? { el: null, id: null } : helpText(step); // under a legend of its own, the help is above
  const error = errorLine();
  const multiHint = multiple ? uniqueId("multi-hint") : null;
  const options = step.kind === "yes_no" && !step.options?.length
    ? YES_NO.map((o) => option(type, name, o.id, { t: o.t }))
    : step.options.map((o) => option(type, name, o.id, { l: o.text }));
  if (step.allow_unknown) options.push(option(type, name, UNKNOWN, { t: "triage.unknown" }));
  const fieldset = h("fieldset", { class: "group question-group",
    "aria-describedby": [help.id, multiHint, error.el.id].filter(Boolean).join(" ") || null },
  h("legend", {}, legend || h("h1", { id: headingId, tabindex: "-1", class: "question-text", l: step.text })),
  help.el,
  multiple ? h("p", { id: multiHint, class: "hint", t: "triage.multiHint" }) : null,
  error.el,
  h("div", { class: "options" }, options));
  const inputs = () => [...fieldset.querySelectorAll("input")];
  if (multiple) {
    // "Vet ej" excludes the other choices, and they exclude it
    fieldset.addEventListener("change", (event) => {
      if (!event.target.checked) return;
      const unknown = event.target.value === UNKNOWN;
      for (const input of inputs()) if ((input.value === UNKNOWN) !== unknown) input.checked = false;
    });
  }
  const result = {
    el: fieldset,
    get control() { return inputs()[0]; },
    read() {
      const chosen = inputs().filter((i) => i.checked).map((i) => i.value);
      if (multiple) return { value: chosen.includes(UNKNOWN) ? UNKNOWN : chosen };
      if (!chosen.length) return { problem: { key: "triage.errChoose" } };
      return { value: chosen[0] };
    },
    showError(problem) {
      error.show(problem);
      fieldset.classList.add("field-invalid");
    },
    clearError() {
      error.clear();
      fieldset.classList.remove("field-invalid");
    },
    unknownButton: null,
    destroy() {},
  };
  return result;
}

function unknownButton(send) {
  return h("button", { type: "button", class: "button-secondary", t: "triage.unknown",
    on: { click: () => send(UNKNOWN) } });
}

function numberQuestion(step, headingId, send) {
  const help = helpText(step);
  const error = errorLine();
  const inputId = uniqueId("number");
  const unitId = step.unit ? uniqueId("unit") : null;
  const health = step.id === "self_rated_health";
  const min = step.min ?? (health ? 0 : null);
  const max = step.max ?? (health ? 100 : null);
  const input = h("input", { type: "text", id: inputId, name: step.id, inputmode: step.integer ? "numeric" : "decimal",
    autocomplete: "off", class: "input-number",
    "aria-describedby": [help.id, unitId, error.el.id].filter(Boolean).join(" ") });
  const heading = h("h1", { id: headingId, tabindex: "-1", class: "question-text" },
    h("label", { for: inputId, l: step.text }));
  const el = h("div", { class: "field question-group" }, heading, help.el, error.el);
  if (health) {
    const endsId = uniqueId("ends");
    const sliderName = uniqueId("slider-name");
    const slider = h("input", { type: "range", min: "0", max: "100", step: "1", value: "50", class: "slider",
      "aria-labelledby": `${headingId} ${sliderName}`, "aria-describedby": endsId });
    el.append(
      h("span", { id: sliderName, class: "visually-hidden", t: "triage.healthSlider" }),
      h("div", { class: "slider-row" }, slider),
      h("p", { id: endsId, class: "slider-ends" },
        h("span", { t: "triage.healthMin" }), " ", h("span", { t: "triage.healthMax" })));
    input.setAttribute("aria-describedby", [endsId, input.getAttribute("aria-describedby")].join(" ").trim());
    slider.addEventListener("input", () => { input.value = slider.value; });
    input.addEventListener("input", () => {
      const n = parse(input.value);
      if (Number.isFinite(n) && n >= 0 && n <= 100) slider.value = String(Math.round(n));
    });
  }
  el.append(h("div", { class: "number-row" }, input,
    step.unit ? h("span", { id: unitId, class: "unit", l: step.unit }) : null));
  return {
    el,
    control: input,
    read() {
      const n = parse(input.value);
      const bad = !Number.isFinite(n) || (step.integer && !Number.isInteger(n))
        || (min !== null && n < min) || (max !== null && n > max);
      if (bad) return { problem: { key: "triage.errNumber", vars: { min: min ?? "–", max: max ?? "–" } } };
      return { value: n };
    },
    showError(problem) {
      error.show(problem);
      input.setAttribute("aria-invalid", "true");
      el.classList.add("field-invalid");
    },
    clearError() {
      error.clear();
      input.removeAttribute("aria-invalid");
      el.classList.remove("field-invalid");
    },
    unknownButton: step.allow_unknown ? unknownButton(send) : null,
    destroy() {},
  };
}

function parse(text) {
  const cleaned = String(text).trim().replace(",", ".").replace(/\s/g, "");
  return cleaned === "" ? NaN : Number(cleaned);
}

function textQuestion(step, headingId, send) {
  const help = helpText(step);
  const error = errorLine();
  const id = uniqueId("text");
  const textarea = h("textarea", { id, name: step.id, rows: "4", maxlength: "2000",
    "aria-describedby": [help.id, error.el.id].filter(Boolean).join(" ") });
  const el = h("div", { class: "field question-group" },
    h("h1", { id: headingId, tabindex: "-1", class: "question-text" }, h("label", { for: id, l: step.text })),
    help.el, error.el, textarea);
  return {
    el,
    control: textarea,
    read() {
      const value = textarea.value.trim();
      return value ? { value } : { problem: { key: "triage.errText" } };
    },
    showError(problem) {
      error.show(problem);
      textarea.setAttribute("aria-invalid", "true");
      el.classList.add("field-invalid");
    },
    clearError() {
      error.clear();
      textarea.removeAttribute("aria-invalid");
      el.classList.remove("field-invalid");
    },
    unknownButton: step.allow_unknown ? unknownButton(send) : null,
    destroy() {},
  };
}

const SEARCH_DELAY_MS = 250;
const MAX_SUGGESTIONS = 8;

/** The complaint: a search box whose suggestions choose in the full radio list below it. */
function complaintQuestion(ctx, draft, headingId) {
  const step = draft.step;
  const searchId = uniqueId("search");
  const hintId = uniqueId("search-hint");
  const search = h("input", { type: "search", id: searchId, autocomplete: "off", spellcheck: "false",
    "aria-describedby": hintId });
  const status = h("p", { class: "hint", role: "status", "aria-live": "polite" });
  const list = h("ul", { class: "suggestions", id: uniqueId("suggestions") });
  search.setAttribute("aria-controls", list.id);
  const choice = choiceQuestion(step, headingId, {
    legend: h("span", { class: "legend-text", t: "triage.allComplaints" }) });
  const chosen = h("p", { class: "chosen", "aria-live": "polite" });
  const el = h("div", { class: "complaint" },
    h("h1", { id: headingId, tabindex: "-1", class: "question-text", l: step.text }),
    step.help ? h("p", { class: "hint", l: step.help }) : null,
    h("div", { class: "field search-field" },
      h("label", { for: searchId, t: "triage.search" }),
      h("p", { id: hintId, class: "hint", t: "triage.searchHint" }),
      search),
    status,
    list,
    chosen,
    choice.el);

  const byId = new Map(step.options.map((o) => [o.id, o]));
  const radio = (id) => choice.el.querySelector(`input[value="${CSS.escape(id)}"]`);

  function showChosen() {
    const input = choice.el.querySelector("input:checked");
    const picked = input && byId.get(input.value);
    clear(chosen);
    if (picked) chosen.append(h("span", { t: "triage.chosen", vars: { text: pickLanguage(picked.text) } }));
  }
  choice.el.addEventListener("change", showChosen);

  function showSuggestions(options) {
    clear(list, options.slice(0, MAX_SUGGESTIONS).map((o) => h("li", {},
      h("button", { type: "button", class: "suggestion", l: o.text, on: { click: () => {
        const input = radio(o.id);
        if (!input) return;
        input.checked = true;
        showChosen();
        input.focus();
      } } }))));
    status.replaceChildren(h("span", { t: "triage.suggestions", vars: { n: Math.min(options.length, MAX_SUGGESTIONS) } }));
  }

  let endpoint = true; // until the server says it has no search
  let seq = 0;
  let timer = null;
  const localMatches = (q) => {
    const needle = q.toLocaleLowerCase();
    return step.options.filter((o) => [o.text.sv, o.text.en].some((t) => t.toLocaleLowerCase().includes(needle)));
  };
  async function lookUp(q) {
    const mine = ++seq;
    let options;
    if (endpoint) {
      try {
        const body = await ctx.api.get(`/citizen/triage/${encodeURIComponent(draft.draft_id)}/complaints`,
          { query: { q } });
        options = (body.options || []).filter((o) => byId.has(o.id));
      } catch (error) {
        if (error.status === 404 || error.status === 405) endpoint = false;
        options = localMatches(q);
      }
    } else {
      options = localMatches(q);
    }
    if (mine === seq && search.value.trim() === q) showSuggestions(options);
  }
  search.addEventListener("input", () => {
    clearTimeout(timer);
    const q = search.value.trim();
    if (!q) {
      seq += 1;
      clear(list);
      clear(status);
      return;
    }
    timer = setTimeout(() => lookUp(q), SEARCH_DELAY_MS);
  });
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault(); // Enter in the search box searches; it does not answer the question
    list.querySelector("button")?.focus();
  });

  return { ...choice, el, destroy: () => clearTimeout(timer) };
}
