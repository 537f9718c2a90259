// Small DOM helpers. Text from users and the server is only ever set as textContent, never as HTML.

import { bind, bindAttrs } from "./i18n.js";

/**
 * h("p", {class: "x", t: "key", vars: {...}}, child, ...) makes an element.
 * `t`/`vars` bind the text to a dictionary key; `attrs` binds attributes ({placeholder: "key"});
 * `on` adds listeners ({click: fn}); other props become attributes (true → "", false/null → absent).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (name === "t" || name === "vars" || value === undefined || value === null || value === false) continue;
    if (name === "attrs") bindAttrs(el, value);
    else if (name === "on") for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (name === "text") el.textContent = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  if (props?.t) bind(el, props.t, props.vars);
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
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

/** A message for an ApiError: the server's own message, or a translated one when there was no answer. */
export function errorMessage(error, tag = "p") {
  if (error?.isNetwork) return h(tag, { class: "error", role: "alert", t: "error.network" });
  if (error?.message && error.status) return h(tag, { class: "error", role: "alert" }, error.message);
  console.error(error);
  return h(tag, { class: "error", role: "alert", t: "error.generic" });
}

let idCounter = 0;
export function uniqueId(prefix = "id") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
