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
