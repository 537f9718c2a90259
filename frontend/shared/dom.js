// Small DOM helpers. Text from users and the server is only ever set as textContent, never as HTML.

import { bind, bindAttrs, bindLocalized, translations } from "./i18n.js";

/**
 * h("p", {class: "x", t: "key", vars: {...}}, child, ...) makes an element.
 * `t`/`vars` bind the text to a dictionary key; `l` binds it to text the server gives in both languages ({sv, en});
 * `attrs` binds attributes ({placeholder: "key"});
 * `on` adds listeners ({click: fn}); other props become attributes (true → "", false/null → absent).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (name === "t" || name === "vars" || name === "l" || value === undefined || value === null || value === false) continue;
    if (name === "attrs") bindAttrs(el, value);
    else if (name === "on") for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (name === "text") el.textContent = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  if (props?.t) bind(el, props.t, props.vars);
  else if (props?.l) bindLocalized(el, props.l);
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Appends children, skipping null/undefined/false (unlike Element.append, which would write "null"). */
export function add(el, ...children) {
  append(el, children);
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A priority badge: colour *and* text ("P2 Skyndsamt"), never colour alone. */
export function priorityBadge(priority) {
  const known = /^P[1-5]$/.test(priority);
  return h("span", { class: `badge badge-${known ? priority.toLowerCase() : "unknown"}`,
    t: known ? `priority.${priority}` : undefined }, known ? null : priority);
}

/** Text for a code from the dictionary ("profession.nurse"), or the code itself if the dictionary lacks it. */
export function codeLabel(prefix, code, tag = "span") {
  return h(tag, { t: `${prefix}.${code}`, vars: { fallback: code }, dataset: { code } });
}

export function timeEl(iso, format = "fmt.datetime") {
  return h("time", { datetime: iso, t: format, vars: { at: iso } });
}

/**
 * The words for an ApiError in both languages ({sv, en}): the server's message_sv and message when it gave both;
 * otherwise our own text for the status in Swedish and the server's message in English.
 */
export function errorTexts(error) {
  if (error?.isNetwork) return translations("error.network");
  if (!error?.status) return translations("error.generic");
  const own = translations(`error.status.${error.status}`, "error.generic");
  return { sv: error.messageSv || own.sv, en: error.message || own.en };
}

/** A message for an ApiError, in the current language and switched with it. */
export function errorMessage(error, tag = "p") {
  if (!error?.status && !error?.isNetwork) console.error(error);
  return h(tag, { class: "error", role: "alert", l: errorTexts(error) });
}

let idCounter = 0;
export function uniqueId(prefix = "id") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
