// Language: the region's languages (config.js's `languages`, Swedish first) and only those; the first is the
// default, and a switch is offered only when there is more than one. The choice persists in localStorage.
// Translated text is *bound*: an element carries data-i18n (+ data-i18n-vars), so switching language re-translates
// the page in place — nothing is re-rendered, and half-filled forms keep their input.

import { STRINGS } from "./strings.js";

/** The languages the pages have texts in (every dictionary has these keys). */
export const LANGUAGES = ["sv", "en"];
const STORAGE_KEY = "nara.lang";
const LOCALES = { sv: "sv-SE", en: "en-GB" };

/** The languages the region offers (config.js's `languages`), in its order; all the pages have when it names none. */
export function offeredLanguages(configured = globalThis.NARA_CONFIG?.languages) {
  if (!Array.isArray(configured)) return [...LANGUAGES];
  const offered = configured.filter((lang, i) => LANGUAGES.includes(lang) && configured.indexOf(lang) === i);
  return offered.length ? offered : ["sv"];
}

export const OFFERED = offeredLanguages();
const DEFAULT_LANGUAGE = OFFERED[0];

const listeners = new Set();
let current = readStoredLanguage();

function readStoredLanguage() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return OFFERED.includes(stored) ? stored : DEFAULT_LANGUAGE; // a language the region no longer offers: the default
  } catch {
    return DEFAULT_LANGUAGE; // storage may be blocked; the default still works
  }
}

export function language() {
  return current;
}

/** Parses the server's ISO times, including the "+0000" offset form that Date.parse does not promise to read. */
export function parseTime(iso) {
  if (iso instanceof Date) return iso;
  return new Date(String(iso).replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
}

function formatters(lang) {
  const locale = LOCALES[lang];
  return {
    datetime: (iso) => new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" })
      .format(parseTime(iso)),
    time: (iso) => new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(parseTime(iso)),
    duration: (seconds) => formatDuration(seconds, lang),
  };
}

function formatDuration(seconds, lang) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const minutes = Math.floor(s / 60) % 60;
  const hours = Math.floor(s / 3600) % 24;
  const days = Math.floor(s / 86400);
  const h = lang === "sv" ? "tim" : "h";
  if (s < 60) return "< 1 min";
  if (days > 0) return `${days} d ${hours} ${h}`;
  if (hours > 0) return `${hours} ${h} ${minutes} min`;
  return `${minutes} min`;
}

/** The text for a key in the current language (falls back to Swedish, then to vars.fallback or the key). */
export function t(key, vars = {}) {
  const entry = STRINGS[current][key] ?? STRINGS[DEFAULT_LANGUAGE][key];
  if (entry === undefined) return vars.fallback ?? key;
  if (typeof entry === "function") return entry(vars, formatters(current));
  return entry.replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(vars[name]) : match));
}

/** Adds a frontend's own dictionary ({sv, en}, same keys) to the shared one; views loaded later bring theirs. */
export function addStrings(extra) {
  for (const lang of LANGUAGES) Object.assign(STRINGS[lang], extra[lang]);
}

/** A key's text in every language ({sv, en}), e.g. to combine with text from the server. */
export function translations(key, fallbackKey = key, vars = {}) {
  const pick = (lang) => {
    const entry = STRINGS[lang][key] ?? STRINGS[lang][fallbackKey] ?? key;
    return typeof entry === "function" ? entry(vars, formatters(lang)) : entry;
  };
  return Object.fromEntries(LANGUAGES.map((lang) => [lang, pick(lang)]));
}

/** The text of {sv, en} from the server in the current language. */
export function pickLanguage(texts) {
  return texts?.[current] || texts?.[DEFAULT_LANGUAGE] || "";
}

/** Binds an element's text (and optionally attributes) to keys, and translates it now. */
export function bind(el, key, vars) {
  delete el.dataset.i18nText;
  el.dataset.i18n = key;
  if (vars && Object.keys(vars).length) el.dataset.i18nVars = JSON.stringify(vars);
  else delete el.dataset.i18nVars;
  el.textContent = t(key, vars);
  return el;
}

/**
 * Binds an element's text to text the server gave in both languages ({sv, en}, e.g. BankID's user messages):
 * shown in the current language, and switched with it.
 */
export function bindLocalized(el, texts) {
  delete el.dataset.i18n;
  delete el.dataset.i18nVars;
  el.dataset.i18nText = JSON.stringify({ sv: texts?.sv ?? "", en: texts?.en ?? "" });
  el.textContent = localized(el);
  return el;
}

function localized(el) {
  const texts = JSON.parse(el.dataset.i18nText);
  return texts[current] || texts[DEFAULT_LANGUAGE] || "";
}

/** Binds attributes: bindAttrs(input, {placeholder: "key"}) — values may be [key, vars]. */
export function bindAttrs(el, attrs) {
  el.dataset.i18nAttrs = JSON.stringify(attrs);
  translateAttrs(el);
  return el;
}

function translateAttrs(el) {
  const attrs = JSON.parse(el.dataset.i18nAttrs);
  for (const [name, spec] of Object.entries(attrs)) {
    const [key, vars] = Array.isArray(spec) ? spec : [spec, {}];
    el.setAttribute(name, t(key, vars));
  }
}

/** Re-translates every bound element under root. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) {
    const vars = el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : {};
    el.textContent = t(el.dataset.i18n, vars);
  }
  for (const el of root.querySelectorAll("[data-i18n-text]")) el.textContent = localized(el);
  for (const el of root.querySelectorAll("[data-i18n-attrs]")) translateAttrs(el);
}

export function setLanguage(lang) {
  if (!OFFERED.includes(lang)) throw new Error(`language ${lang} is not offered by the region`);
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not persisted; the page still switches
  }
  document.documentElement.lang = lang;
  translate(document);
  for (const listener of listeners) listener(lang);
}

export function onLanguageChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Makes a button the language switch: it names the next language the region offers, in that language. A region
 * with one language gets no switch (the button is removed).
 */
export function mountLanguageSwitch(button) {
  if (!button) return;
  if (OFFERED.length < 2) {
    button.remove();
    return;
  }
  const next = () => OFFERED[(OFFERED.indexOf(current) + 1) % OFFERED.length];
  const label = () => {
    button.textContent = STRINGS[next()]["lang.name"] ?? next();
    button.lang = next();
  };
  label();
  button.addEventListener("click", () => setLanguage(next()));
  onLanguageChange(label);
}

/** Applies the stored language to the static page; call once at start-up. */
export function initI18n() {
  document.documentElement.lang = current;
  translate(document);
}
