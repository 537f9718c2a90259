// Form building blocks with accessible wiring: every control has a label, hints and errors are tied to it with
// aria-describedby, and a failed submit shows an error summary whose links move focus to the field.

import { newId } from "./api.js";
import { clear, h, uniqueId } from "./dom.js";

/** A labelled field around a control. Returns {el, control, showError(keyOrText), clearError()}. */
export function field({ name, labelKey, hintKey, control }) {
  const id = control.id || uniqueId(`field-${name}`);
  control.id = id;
  control.name = name;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const error = h("p", { id: errorId, class: "field-error", hidden: true });
  const describedBy = () => [hintKey ? hintId : null, error.hidden ? null : errorId].filter(Boolean).join(" ");
  const el = h("div", { class: "field" },
    h("label", { for: id, t: labelKey }),
    hintKey ? h("p", { id: hintId, class: "hint", t: hintKey }) : null,
    error,
    control);
  const update = () => {
    const ids = describedBy();
    if (ids) control.setAttribute("aria-describedby", ids);
    else control.removeAttribute("aria-describedby");
  };
  update();
  return {
    el, control, name,
    showError({ key, text }) {
      clear(error);
      if (key) error.append(h("span", { t: key }));
      else error.append(text);
      error.hidden = false;
      el.classList.add("field-invalid");
      control.setAttribute("aria-invalid", "true");
      update();
    },
    clearError() {
      error.hidden = true;
      el.classList.remove("field-invalid");
      control.removeAttribute("aria-invalid");
      update();
    },
  };
}

/**
 * A group of radio buttons or checkboxes that works as one field: a fieldset with its legend, an optional hint and
 * an error tied to it by aria-describedby; `control` (the first input) is where the error summary's link moves focus.
 * `labelFor(code)` gives an option's label: a node, or {t, vars} to bind the label itself. value(): a radio group's
 * chosen code or "", a checkbox group's chosen codes in the order of `codes`. `inline`: a row of compact `.check`
 * items (the staff admin pages) instead of the `.options` list of `.option` cards.
 */
export function choiceGroup({ name, type, codes, labelFor, legendKey, hintKey, chosen = [], className = "group",
  inline = false }) {
  const prefix = uniqueId(name);
  const hintId = `${prefix}-hint`;
  const error = h("p", { id: `${prefix}-error`, class: "field-error", hidden: true });
  const boxes = codes.map((code) => {
    const id = `${prefix}-${code}`;
    const box = h("input", { type, id, name, value: code });
    const label = labelFor(code);
    return { code, box, el: h("div", { class: inline ? "check" : "option" }, box,
      label instanceof Node ? h("label", { for: id }, label) : h("label", { for: id, ...label })) };
  });
  const el = h("fieldset", { class: className },
    h("legend", { t: legendKey }),
    hintKey ? h("p", { id: hintId, class: "hint", t: hintKey }) : null,
    error,
    inline ? boxes.map((b) => b.el) : h("div", { class: "options" }, boxes.map((b) => b.el)));
  const update = () => {
    const ids = [hintKey ? hintId : null, error.hidden ? null : error.id].filter(Boolean).join(" ");
    if (ids) el.setAttribute("aria-describedby", ids);
    else el.removeAttribute("aria-describedby");
  };
  const set = (values) => {
    const wanted = [].concat(values);
    for (const b of boxes) b.box.checked = wanted.includes(b.code);
  };
  set(chosen);
  update();
  return {
    el, name, boxes, control: boxes[0].box,
    value: () => {
      const checked = boxes.filter((b) => b.box.checked).map((b) => b.code);
      return type === "radio" ? checked[0] || "" : checked;
    },
    set,
    showError({ key, text }) {
      clear(error, key ? h("span", { t: key }) : text);
      error.hidden = false;
      el.classList.add("field-invalid");
      update();
    },
    clearError() {
      error.hidden = true;
      el.classList.remove("field-invalid");
      update();
    },
  };
}

/** Error summary: a heading and links to each field in error; focused so screen readers announce it. */
export function errorSummary(container, headingKey, problems) {
  clear(container);
  if (!problems.length) return;
  const summary = h("div", { class: "error-summary", role: "alert", tabindex: "-1" },
    h("h2", { t: headingKey }),
    h("ul", {}, problems.map((p) => h("li", {},
      h("a", { href: `#${p.field.control.id}`, on: { click: (event) => {
        event.preventDefault(); // the router owns the hash
        p.field.control.focus();
      } } }, p.key ? h("span", { t: p.key }) : p.text)))));
  container.append(summary);
  summary.focus();
}

/**
 * The Idempotency-Key of one intended submit: the same key is reused if the user submits again after a failure,
 * and a new one is made once the input changes (a new intent) or after success.
 */
export class IntentKey {
  constructor() {
    this.key = null;
  }

  current() {
    this.key ||= newId();
    return this.key;
  }

  reset() {
    this.key = null;
  }
}
