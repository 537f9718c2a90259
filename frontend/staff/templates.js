// Phrase templates (frasmallar): the management page (#/frasmallar/<unit>: search, create, edit, delete, the
// variables explained) and the picker in a chat's send box (attachTemplatePicker: a button, "/" in an empty box or
// Ctrl + Space open a searchable list; Enter inserts the chosen template with its variables filled in).
// Template texts are only ever inserted as text (setRangeText / textContent), never as HTML.

import { clear, errorMessage, errorTexts, h, timeEl, uniqueId } from "/shared/dom.js";
import { IntentKey, errorSummary, field } from "/shared/forms.js";
import { addStrings, bind, language, onLanguageChange } from "/shared/i18n.js";

/** The variables a template may use; chalicelib/domain/templates.py has the same list. */
export const VARIABLES = ["förnamn", "enhet", "telefon", "telefontid", "mitt_namn", "yrkesroll"];
const VARIABLE = /\{([\p{L}\p{N}_]+)\}/gu; // as the server's \{(\w+)\}
const TITLE_MAX = 80;
const TEXT_MAX = 2000;
const TAG_MAX = 30;
const TAGS_MAX = 10;
const SEARCH_DELAY_MS = 250;
const PREVIEW_CHARS = 140;

/**
 * The text with each known variable replaced by its value; a variable without a value becomes "[name]", so the
 * writer sees what to fill in. Matches render() in chalicelib/domain/templates.py.
 */
export function render(text, values = {}) {
  return String(text).replace(VARIABLE, (match, name) => {
    if (!VARIABLES.includes(name)) return match;
    const value = String(values?.[name] ?? "").trim();
    return value || `[${name}]`;
  });
}

/** Text for matching: case and accents ignored ("Förkylning" ~ "forkylning"), as the server's search. */
export function fold(text) {
  return String(text).normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

/** Every word of the query is in the template's title, text or tags. */
export function matches(template, query) {
  const haystack = fold([template.title, template.text, ...(template.tags || [])].join(" "));
  return fold(query).split(/\s+/).filter(Boolean).every((word) => haystack.includes(word));
}

function unknownVariables(text) {
  const names = [...String(text).normalize("NFC").matchAll(VARIABLE)].map((m) => m[1]);
  return [...new Set(names)].filter((name) => !VARIABLES.includes(name));
}

const braces = (names) => names.map((n) => `{${n}}`).join(", ");

addStrings({
  sv: {
    "templates.title": "Frasmallar",
    "templates.lead": "Färdiga texter för chatten. Enhetens mallar delas av alla som arbetar här; dina egna ser "
      + "bara du.",
    "templates.back": "Tillbaka till kön",
    "templates.new": "Ny frasmall",
    "templates.search": "Sök bland frasmallarna",
    "templates.searchHint": "Söker i rubrik, text och taggar.",
    "templates.count": (v) => (v.n === 1 ? "1 frasmall" : `${v.n} frasmallar`),
    "templates.countFor": (v) => `${v.n === 1 ? "1 frasmall" : `${v.n} frasmallar`} matchar ”${v.q}”`,
    "templates.unitHeading": "Enhetens frasmallar",
    "templates.personalHeading": "Mina frasmallar",
    "templates.unitEmpty": "Enheten har inga frasmallar ännu.",
    "templates.personalEmpty": "Du har inga egna frasmallar ännu.",
    "templates.noneFound": "Inga frasmallar matchar sökningen.",
    "templates.scope.unit": "Hela enheten",
    "templates.scope.personal": "Bara jag",
    "templates.language.sv": "Svenska",
    "templates.language.en": "Engelska",
    "templates.changed": (v, f) => `Ändrad ${f.datetime(v.at)} av ${v.name}`,
    "templates.tags": "Taggar",
    "templates.edit": "Ändra",
    "templates.delete": "Ta bort",
    "templates.deleteConfirm": (v) => `Vill du ta bort frasmallen ”${v.title}”? Det går inte att ångra.`,
    "templates.deleteYes": "Ja, ta bort",
    "templates.cancel": "Avbryt",
    "templates.deleted": (v) => `Frasmallen ”${v.title}” är borttagen.`,
    "templates.saved": (v) => `Frasmallen ”${v.title}” är sparad.`,
    "templates.variablesHeading": "Variabler",
    "templates.variablesLead": "Skriv en variabel inom klamrar i texten. När du infogar mallen i en chatt fylls den "
      + "i från ärendet, enheten och dig. Saknas ett värde står variabeln kvar inom hakparentes, till exempel "
      + "[förnamn], så att du ser vad du ska fylla i.",
    "templates.variableHere": (v) => `Här: ${v.value}`,
    "templates.variableFromCase": "Fylls i från ärendet.",
    "templates.variableMissing": "Saknas här – fyll i själv.",
    "templates.form.new": "Ny frasmall",
    "templates.form.edit": "Ändra frasmallen",
    "templates.form.title": "Rubrik",
    "templates.form.titleHint": `Syns i listan och i sökningen. Högst ${TITLE_MAX} tecken.`,
    "templates.form.text": "Text",
    "templates.form.textHint": `Högst ${TEXT_MAX} tecken. Variabler skrivs inom klamrar, till exempel {förnamn}.`,
    "templates.form.insertVariable": "Infoga variabel i texten",
    "templates.form.scope": "Vem ska kunna använda mallen?",
    "templates.form.scopePersonal": "Bara jag (egen mall)",
    "templates.form.scopeUnit": (v) => `Alla på ${v.unit}`,
    "templates.form.language": "Språk",
    "templates.form.tags": "Taggar (valfritt)",
    "templates.form.tagsHint": `Ord att söka på, åtskilda med komma. Högst ${TAGS_MAX}.`,
    "templates.form.preview": "Förhandsvisning",
    "templates.form.previewHint": "Så här blir texten på den här enheten. [förnamn] fylls i från ärendet.",
    "templates.form.save": "Spara frasmallen",
    "templates.form.errorsTitle": "Frasmallen kunde inte sparas",
    "templates.form.reload": "Visa mallen som den är nu",
    "templates.err.title": "Ge mallen en rubrik så att den går att hitta.",
    "templates.err.titleLong": (v) => `Rubriken får vara högst ${TITLE_MAX} tecken (nu ${v.n}).`,
    "templates.err.text": "Skriv mallens text.",
    "templates.err.textLong": (v) => `Texten får vara högst ${TEXT_MAX} tecken (nu ${v.n}).`,
    "templates.err.unknown": (v) => `Okänd variabel ${v.names}. De variabler som finns är: ${v.known}.`,
    "templates.err.tagLong": (v) => `Taggen ”${v.tag}” är längre än ${TAG_MAX} tecken.`,
    "templates.err.tags": `Högst ${TAGS_MAX} taggar är tillåtna.`,
    "templates.picker.open": "Frasmallar",
    "templates.picker.hint": "Skriv / i en tom ruta eller tryck Ctrl + mellanslag för att välja en frasmall.",
    "templates.picker.search": "Sök frasmall",
    "templates.picker.keys": "Pil upp och ned väljer, Enter infogar, Esc stänger.",
    "templates.picker.loading": "Hämtar frasmallar …",
    "templates.picker.count": (v) => (v.n === 1 ? "1 frasmall" : `${v.n} frasmallar`),
    "templates.picker.none": "Inga frasmallar matchar.",
    "templates.picker.inserted": (v) => `Frasmallen ”${v.title}” är infogad.`,
    "templates.picker.unit": "Enheten",
    "templates.picker.personal": "Egen",
    "templates.picker.manage": "Hantera frasmallar",
  },
  en: {
    "templates.title": "Phrase templates",
    "templates.lead": "Ready texts for the chat. The unit's templates are shared by everyone who works here; your own "
      + "are seen only by you.",
    "templates.back": "Back to the queue",
    "templates.new": "New phrase template",
    "templates.search": "Search the phrase templates",
    "templates.searchHint": "Searches title, text and tags.",
    "templates.count": (v) => (v.n === 1 ? "1 phrase template" : `${v.n} phrase templates`),
    "templates.countFor": (v) => `${v.n === 1 ? "1 phrase template matches" : `${v.n} phrase templates match`} `
      + `“${v.q}”`,
    "templates.unitHeading": "The unit's phrase templates",
    "templates.personalHeading": "My phrase templates",
    "templates.unitEmpty": "The unit has no phrase templates yet.",
    "templates.personalEmpty": "You have no phrase templates of your own yet.",
    "templates.noneFound": "No phrase templates match the search.",
    "templates.scope.unit": "Whole unit",
    "templates.scope.personal": "Only me",
    "templates.language.sv": "Swedish",
    "templates.language.en": "English",
    "templates.changed": (v, f) => `Changed ${f.datetime(v.at)} by ${v.name}`,
    "templates.tags": "Tags",
    "templates.edit": "Edit",
    "templates.delete": "Delete",
    "templates.deleteConfirm": (v) => `Delete the phrase template “${v.title}”? This cannot be undone.`,
    "templates.deleteYes": "Yes, delete",
    "templates.cancel": "Cancel",
    "templates.deleted": (v) => `The phrase template “${v.title}” has been deleted.`,
    "templates.saved": (v) => `The phrase template “${v.title}” has been saved.`,
    "templates.variablesHeading": "Variables",
    "templates.variablesLead": "Write a variable in braces in the text. When you insert the template in a chat it is "
      + "filled in from the case, the unit and you. Where a value is missing the variable stays in square brackets, "
      + "e.g. [förnamn], so you see what to fill in.",
    "templates.variableHere": (v) => `Here: ${v.value}`,
    "templates.variableFromCase": "Filled in from the case.",
    "templates.variableMissing": "Not known here – fill it in yourself.",
    "templates.form.new": "New phrase template",
    "templates.form.edit": "Edit the phrase template",
    "templates.form.title": "Title",
    "templates.form.titleHint": `Shown in the list and the search. At most ${TITLE_MAX} characters.`,
    "templates.form.text": "Text",
    "templates.form.textHint": `At most ${TEXT_MAX} characters. Variables are written in braces, e.g. {förnamn}.`,
    "templates.form.insertVariable": "Insert a variable in the text",
    "templates.form.scope": "Who may use the template?",
    "templates.form.scopePersonal": "Only me (my own template)",
    "templates.form.scopeUnit": (v) => `Everyone at ${v.unit}`,
    "templates.form.language": "Language",
    "templates.form.tags": "Tags (optional)",
    "templates.form.tagsHint": `Words to search for, separated by commas. At most ${TAGS_MAX}.`,
    "templates.form.preview": "Preview",
    "templates.form.previewHint": "The text as it reads at this unit. [förnamn] is filled in from the case.",
    "templates.form.save": "Save the phrase template",
    "templates.form.errorsTitle": "The phrase template could not be saved",
    "templates.form.reload": "Show the template as it is now",
    "templates.err.title": "Give the template a title, so it can be found.",
    "templates.err.titleLong": (v) => `The title may be at most ${TITLE_MAX} characters (now ${v.n}).`,
    "templates.err.text": "Write the template's text.",
    "templates.err.textLong": (v) => `The text may be at most ${TEXT_MAX} characters (now ${v.n}).`,
    "templates.err.unknown": (v) => `Unknown variable ${v.names}. The variables are: ${v.known}.`,
    "templates.err.tagLong": (v) => `The tag “${v.tag}” is longer than ${TAG_MAX} characters.`,
    "templates.err.tags": `At most ${TAGS_MAX} tags are allowed.`,
    "templates.picker.open": "Phrase templates",
    "templates.picker.hint": "Type / in an empty box or press Ctrl + Space to choose a phrase template.",
    "templates.picker.search": "Search phrase templates",
    "templates.picker.keys": "Arrow up and down choose, Enter inserts, Esc closes.",
    "templates.picker.loading": "Loading phrase templates …",
    "templates.picker.count": (v) => (v.n === 1 ? "1 phrase template" : `${v.n} phrase templates`),
    "templates.picker.none": "No phrase templates match.",
    "templates.picker.inserted": (v) => `The phrase template “${v.title}” has been inserted.`,
    "templates.picker.unit": "Unit",
    "templates.picker.personal": "Own",
    "templates.picker.manage": "Manage phrase templates",
  },
});

function loadCatalogue(ctx, unitId, q) {
  return ctx.api.get("/staff/templates", { query: { unit_id: unitId, q: q || undefined } });
}

/** The values for a template: the server's for its language (unit, phone, you), overridden by the caller's. */
async function valuesFor(template, catalogue, values) {
  const given = typeof values === "function" ? await values(template) : values;
  const own = Object.fromEntries(Object.entries(given || {}).filter(([, v]) => String(v ?? "").trim()));
  const server = catalogue?.values?.[template.language] || catalogue?.values?.sv || {};
  return { ...server, ...own };
}

// --- The picker in a chat's send box ---------------------------------------------------------------------------

/**
 * Adds phrase templates to a send box: a "Frasmallar" button, and "/" typed in an empty box or Ctrl + Space, open
 * a searchable list (combobox: type to filter, arrow keys, Enter inserts, Esc closes; focus returns to the box).
 * The chosen template is inserted at the cursor (replacing the "/" that opened it) with its variables filled in:
 * `values` is {förnamn, enhet, telefon, telefontid, mitt_namn, yrkesroll}, or a function (template) => such an object
 * (may be async); empty values are ignored, and the server's values for the unit and the staff member (in the
 * template's language) fill what is not given. Returns {destroy()}.
 */
export function attachTemplatePicker({ ctx, textarea, unitId, values = {} }) {
  const ids = {
    popup: uniqueId("tpl-picker"), input: uniqueId("tpl-search"), list: uniqueId("tpl-options"),
    hint: uniqueId("tpl-hint"), keys: uniqueId("tpl-keys"),
  };
  const button = h("button", { type: "button", class: "button-secondary template-open", "aria-expanded": "false",
    "aria-controls": ids.popup, t: "templates.picker.open" });
  const hint = h("p", { id: ids.hint, class: "hint template-hint", t: "templates.picker.hint" });
  const input = h("input", { type: "text", id: ids.input, role: "combobox", "aria-expanded": "false",
    "aria-controls": ids.list, "aria-autocomplete": "list", "aria-describedby": ids.keys, autocomplete: "off",
    spellcheck: "false" });
  const list = h("ul", { id: ids.list, role: "listbox", class: "template-options",
    "aria-labelledby": `${ids.input}-label` });
  const status = h("p", { class: "hint template-status", role: "status" });
  const announce = h("p", { class: "visually-hidden", role: "status" });
  const popup = h("div", { id: ids.popup, class: "template-picker", hidden: true },
    h("label", { id: `${ids.input}-label`, for: ids.input, t: "templates.picker.search" }),
    h("p", { id: ids.keys, class: "hint", t: "templates.picker.keys" }),
    input, status, list,
    h("p", { class: "template-manage" },
      h("a", { href: `#/frasmallar/${encodeURIComponent(unitId)}`, t: "templates.picker.manage" })));
  const bar = h("div", { class: "template-bar" }, h("div", { class: "template-bar-row" }, button, hint), popup,
    announce);

  const anchor = textarea.nextElementSibling?.classList.contains("hint") ? textarea.nextElementSibling : textarea;
  anchor.after(bar);
  const describedBefore = textarea.getAttribute("aria-describedby");
  textarea.setAttribute("aria-describedby", [describedBefore, ids.hint].filter(Boolean).join(" "));

  let catalogue = null;
  let shown = [];
  let active = -1;
  let selection = null; // where the template goes: [start, end] in the box, saved when the list opened
  let loading = null;
  let destroyed = false;

  const isOpen = () => !popup.hidden;

  function drawOptions() {
    const query = input.value;
    shown = (catalogue?.templates || []).filter((tpl) => matches(tpl, query));
    active = shown.length ? 0 : -1;
    clear(list, shown.map((tpl, i) => h("li", {
      id: `${ids.list}-${i}`, role: "option", class: "template-option", "aria-selected": "false",
      dataset: { templateId: tpl.template_id },
      on: { click: () => choose(i) },
    },
    h("span", { class: "template-option-title" }, tpl.title),
    h("span", { class: "template-option-scope", t: `templates.picker.${tpl.scope}` }),
    h("span", { class: "template-option-preview" }, preview(tpl)))));
    bind(status, shown.length ? "templates.picker.count" : "templates.picker.none", { n: shown.length });
    markActive();
  }

  function preview(tpl) {
    const given = typeof values === "function" ? {} : values; // a function is asked only when inserting
    const own = Object.fromEntries(Object.entries(given || {}).filter(([, v]) => String(v ?? "").trim()));
    const text = render(tpl.text, { ...(catalogue?.values?.[tpl.language] || {}), ...own });
    return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
  }

  function markActive() {
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    const current = list.children[active];
    if (current) {
      input.setAttribute("aria-activedescendant", current.id);
      current.scrollIntoView?.({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  async function open({ slash = false } = {}) {
    if (isOpen()) {
      input.focus();
      return;
    }
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    selection = slash && textarea.value.charAt(start - 1) === "/" ? [start - 1, end] : [start, end];
    popup.hidden = false;
    button.setAttribute("aria-expanded", "true");
    input.setAttribute("aria-expanded", "true");
    input.value = "";
    input.focus();
    if (catalogue) drawOptions();
    else bind(status, "templates.picker.loading");
    // fetched on every opening: a colleague's new template is there the next time
    const request = loadCatalogue(ctx, unitId);
    loading = request;
    try {
      const fresh = await request;
      if (destroyed || loading !== request) return;
      catalogue = fresh;
      if (isOpen()) drawOptions();
    } catch (error) {
      if (destroyed || loading !== request || !isOpen()) return;
      if (!catalogue) clear(list);
      status.textContent = "";
      clear(status, h("span", { class: "error", l: errorTexts(error) }));
    }
  }

  function close({ focusBox = true } = {}) {
    if (!isOpen()) return;
    popup.hidden = true;
    loading = null;
    button.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    if (focusBox) {
      textarea.focus();
      if (selection) textarea.setSelectionRange(selection[1], selection[1]);
    }
  }

  async function choose(index) {
    const tpl = shown[index];
    if (!tpl) return;
    const text = render(tpl.text, await valuesFor(tpl, catalogue, values));
    if (destroyed) return;
    const length = textarea.value.length;
    const [start, end] = (selection || [length, length]).map((at) => Math.min(at, length));
    close({ focusBox: false });
    textarea.focus();
    textarea.setRangeText(text, start, Math.max(start, end), "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    selection = null;
    bind(announce, "templates.picker.inserted", { title: tpl.title });
  }

  function onInputKey(event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!shown.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = (active + step + shown.length) % shown.length;
      markActive();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (active >= 0) choose(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  }

  function onBoxKey(event) {
    if (event.key === " " && event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      open();
    }
  }

  function onBoxInput() {
    if (textarea.value === "/" && !isOpen()) open({ slash: true });
  }

  function onFocusOut(event) {
    if (event.relatedTarget && (popup.contains(event.relatedTarget) || event.relatedTarget === button)) return;
    close({ focusBox: false });
  }

  const onButton = () => (isOpen() ? close() : open());
  const keepFocus = (event) => {
    // a click in the list (on an option, or between them) must not blur the search field and close the list first
    if (event.target !== input && !event.target.closest("a")) event.preventDefault();
  };

  button.addEventListener("click", onButton);
  input.addEventListener("keydown", onInputKey);
  input.addEventListener("input", drawOptions);
  popup.addEventListener("focusout", onFocusOut);
  popup.addEventListener("mousedown", keepFocus);
  textarea.addEventListener("keydown", onBoxKey);
  textarea.addEventListener("input", onBoxInput);

  return {
    open,
    destroy() {
      destroyed = true;
      textarea.removeEventListener("keydown", onBoxKey);
      textarea.removeEventListener("input", onBoxInput);
      if (describedBefore) textarea.setAttribute("aria-describedby", describedBefore);
      else textarea.removeAttribute("aria-describedby");
      bar.remove();
    },
  };
}

// --- The management page -----------------------------------------------------------------------------------------

/** #/frasmallar/<unit>: the unit's and one's own templates, searchable; create, edit and delete; returns cleanup. */
export async function templatesView(ctx, unitId) {
  ctx.setTitle("templates.title");
  const units = await ctx.units().catch(() => new Map());
  const unitName = units.get(unitId)?.name || unitId;

  const heading = h("h1", { tabindex: "-1", t: "templates.title" });
  const newButton = h("button", { type: "button", class: "button", t: "templates.new" });
  const notices = h("div", { class: "template-notices" });
  const editorArea = h("div");
  const searchInput = h("input", { type: "search", id: uniqueId("tpl-filter"), autocomplete: "off" });
  const searchHintId = `${searchInput.id}-hint`;
  searchInput.setAttribute("aria-describedby", searchHintId);
  const countLine = h("p", { class: "hint template-count", role: "status" });
  const loadError = h("div");
  const unitList = h("div");
  const personalList = h("div");
  const variablesBody = h("dl", { class: "details template-variables" });
  const unitHeadingId = uniqueId("tpl-unit");
  const personalHeadingId = uniqueId("tpl-personal");

  ctx.main.append(
    h("p", { class: "back" }, h("a", { href: `#/ko/${encodeURIComponent(unitId)}`, t: "templates.back" })),
    h("div", { class: "page-head" },
      h("div", {}, h("p", { class: "kicker" }, unitName), heading),
      newButton),
    h("p", { class: "lead", t: "templates.lead" }),
    notices,
    editorArea,
    h("div", { class: "template-layout" },
      h("div", { class: "template-main" },
        h("div", { class: "field template-search" },
          h("label", { for: searchInput.id, t: "templates.search" }),
          h("p", { id: searchHintId, class: "hint", t: "templates.searchHint" }),
          searchInput),
        countLine, loadError,
        h("section", { "aria-labelledby": unitHeadingId },
          h("h2", { id: unitHeadingId, t: "templates.unitHeading" }), unitList),
        h("section", { "aria-labelledby": personalHeadingId },
          h("h2", { id: personalHeadingId, t: "templates.personalHeading" }), personalList)),
      h("section", { class: "card template-help", "aria-labelledby": "tpl-variables-heading" },
        h("h2", { id: "tpl-variables-heading", t: "templates.variablesHeading" }),
        h("p", { class: "hint", t: "templates.variablesLead" }),
        variablesBody)));

  let catalogue = null;
  let destroyed = false;
  let editor = null; // {template|null, opener}
  let searchTimer = null;
  let loadCount = 0;

  async function load() {
    const mine = ++loadCount;
    const q = searchInput.value.trim();
    try {
      const fresh = await loadCatalogue(ctx, unitId, q);
      if (destroyed || mine !== loadCount) return;
      catalogue = fresh;
      clear(loadError);
      drawList(q);
      drawVariables();
    } catch (error) {
      if (!destroyed && mine === loadCount) clear(loadError, errorMessage(error));
    }
  }

  function drawVariables() {
    const here = catalogue.values?.[language()] || catalogue.values?.sv || {};
    clear(variablesBody, (catalogue.variables || []).map((v) => [
      h("dt", {}, h("code", {}, `{${v.name}}`)),
      h("dd", {},
        h("span", { l: { sv: v.sv, en: v.en } }), " ",
        v.name === "förnamn"
          ? h("span", { class: "hint", t: "templates.variableFromCase" })
          : here[v.name]
            ? h("span", { class: "hint", t: "templates.variableHere", vars: { value: here[v.name] } })
            : h("span", { class: "hint", t: "templates.variableMissing" })),
    ]));
  }

  function drawList(q) {
    const all = catalogue.templates || [];
    bind(countLine, q ? "templates.countFor" : "templates.count", { n: all.length, q });
    const group = (scope, emptyKey) => {
      const items = all.filter((tpl) => tpl.scope === scope);
      if (!items.length) return h("p", { class: "empty", t: q ? "templates.noneFound" : emptyKey });
      return h("ul", { class: "template-list" }, items.map(card));
    };
    clear(unitList, group("unit", "templates.unitEmpty"));
    clear(personalList, group("personal", "templates.personalEmpty"));
  }

  function card(tpl) {
    const titleId = uniqueId("tpl-title");
    const actions = h("div", { class: "actions template-actions" });
    const item = h("li", { class: "card template-card", dataset: { templateId: tpl.template_id } },
      h("h3", { id: titleId }, tpl.title),
      h("p", { class: "template-meta hint" },
        h("span", { t: `templates.scope.${tpl.scope}` }), " · ",
        h("span", { t: `templates.language.${tpl.language}`, vars: { fallback: tpl.language } }), " · ",
        h("span", { t: "templates.changed",
          vars: { at: tpl.updated_at, name: tpl.updated_by_name || tpl.updated_by } })),
      tpl.tags?.length
        ? h("p", { class: "template-tags" },
          h("span", { class: "visually-hidden" }, h("span", { t: "templates.tags" }), ": "),
          tpl.tags.map((tag, i) => [i ? h("span", { class: "visually-hidden" }, ", ") : null,
            h("span", { class: "tag" }, tag)]))
        : null,
      h("p", { class: "free-text template-text" }, tpl.text),
      actions);
    const showActions = () => clear(actions,
      h("button", { type: "button", class: "button-secondary", "aria-describedby": titleId, t: "templates.edit",
        dataset: { action: "edit" }, on: { click: (event) => openEditor(tpl, event.currentTarget) } }),
      h("button", { type: "button", class: "button-link template-delete", "aria-describedby": titleId,
        t: "templates.delete", dataset: { action: "delete" }, on: { click: confirmDelete } }));

    function confirmDelete() {
      const yes = h("button", { type: "button", class: "button template-delete-yes", t: "templates.deleteYes" });
      const no = h("button", { type: "button", class: "button-secondary", t: "templates.cancel" });
      const problem = h("div");
      clear(actions, h("div", { class: "template-confirm", role: "group", "aria-labelledby": `${titleId}-confirm` },
        h("p", { id: `${titleId}-confirm`, t: "templates.deleteConfirm", vars: { title: tpl.title } }),
        problem,
        h("div", { class: "actions" }, yes, no)));
      yes.focus();
      no.addEventListener("click", () => {
        showActions();
        actions.querySelector("[data-action='delete']").focus();
      });
      yes.addEventListener("click", async () => {
        yes.disabled = true;
        try {
          await ctx.api.delete(`/staff/templates/${encodeURIComponent(tpl.template_id)}`,
            { query: { version: tpl.version }, idempotent: true });
          if (destroyed) return;
          if (editor?.template?.template_id === tpl.template_id) closeEditor({ focus: false });
          await load();
          notify("templates.deleted", { title: tpl.title });
        } catch (error) {
          if (destroyed) return;
          yes.disabled = false;
          const alert = errorMessage(error);
          alert.tabIndex = -1;
          clear(problem, alert);
          alert.focus();
          if ([404, 409].includes(error.status)) load();
        }
      });
    }

    showActions();
    return item;
  }

  function notify(key, vars) {
    const note = h("p", { class: "notice notice-success", role: "status", tabindex: "-1", t: key, vars });
    clear(notices, note);
    note.focus();
  }

  function closeEditor({ focus = true } = {}) {
    const opener = editor?.opener;
    const templateId = editor?.template?.template_id;
    editor = null;
    clear(editorArea);
    if (!focus) return;
    const again = templateId
      ? document.querySelector(`[data-template-id="${CSS.escape(templateId)}"] [data-action="edit"]`)
      : null;
    (again || (opener?.isConnected ? opener : newButton)).focus();
  }

  function openEditor(template, opener) {
    clear(notices);
    editor = { template, opener };
    const form = editorForm(template);
    clear(editorArea, form);
    form.querySelector("h2").focus();
  }

  function editorForm(template) {
    const editing = Boolean(template);
    const headingId = uniqueId("tpl-form");
    const intent = new IntentKey();
    const errors = h("div");
    const titleInput = h("input", { type: "text", autocomplete: "off" });
    const textArea = h("textarea", { rows: "7" });
    const tagsInput = h("input", { type: "text", autocomplete: "off" });
    const languageSelect = h("select", {},
      h("option", { value: "sv", t: "templates.language.sv" }),
      h("option", { value: "en", t: "templates.language.en" }));
    const title = field({ name: "title", labelKey: "templates.form.title", hintKey: "templates.form.titleHint",
      control: titleInput });
    const text = field({ name: "text", labelKey: "templates.form.text", hintKey: "templates.form.textHint",
      control: textArea });
    const tags = field({ name: "tags", labelKey: "templates.form.tags", hintKey: "templates.form.tagsHint",
      control: tagsInput });
    const lang = field({ name: "language", labelKey: "templates.form.language", control: languageSelect });
    const scopeName = uniqueId("tpl-scope");
    const radios = ["personal", "unit"].map((scope) => h("input", { type: "radio", name: scopeName,
      id: `${scopeName}-${scope}`, value: scope }));
    radios[0].checked = true;
    const scopeBlock = editing
      ? h("p", { class: "template-scope-fixed" }, h("span", { t: "templates.form.scope" }), " ",
        h("strong", template.scope === "unit"
          ? { t: "templates.form.scopeUnit", vars: { unit: unitName } }
          : { t: "templates.form.scopePersonal" }))
      : h("fieldset", { class: "group" },
        h("legend", { t: "templates.form.scope" }),
        h("div", { class: "options" },
          h("div", { class: "option" }, radios[0],
            h("label", { for: radios[0].id, t: "templates.form.scopePersonal" })),
          h("div", { class: "option" }, radios[1],
            h("label", { for: radios[1].id, t: "templates.form.scopeUnit", vars: { unit: unitName } }))));
    const insertLabelId = uniqueId("tpl-insert");
    const insertButtons = h("div", { class: "template-insert", role: "group", "aria-labelledby": insertLabelId },
      h("p", { id: insertLabelId, class: "template-insert-label", t: "templates.form.insertVariable" }),
      VARIABLES.map((name) => h("button", { type: "button", class: "button-secondary template-variable",
        on: { click: () => insertVariable(name) } }, `{${name}}`)));
    text.el.append(insertButtons);
    const previewId = uniqueId("tpl-preview");
    const previewText = h("p", { class: "free-text template-preview-text" });
    const preview = h("section", { class: "template-preview", "aria-labelledby": previewId },
      h("h3", { id: previewId, t: "templates.form.preview" }),
      h("p", { class: "hint", t: "templates.form.previewHint" }),
      previewText);
    const save = h("button", { type: "submit", class: "button", t: "templates.form.save" });
    const cancel = h("button", { type: "button", class: "button-secondary", t: "templates.cancel",
      on: { click: () => closeEditor() } });
    const form = h("form", { class: "card template-form form", novalidate: true, "aria-labelledby": headingId },
      h("h2", { id: headingId, tabindex: "-1", t: editing ? "templates.form.edit" : "templates.form.new" }),
      errors, title.el, text.el, preview, scopeBlock, lang.el, tags.el,
      h("div", { class: "actions" }, save, cancel));

    if (editing) {
      titleInput.value = template.title;
      textArea.value = template.text;
      languageSelect.value = template.language;
      tagsInput.value = (template.tags || []).join(", ");
    }
    let version = template?.version;

    function drawPreview() {
      const values = catalogue?.values?.[languageSelect.value] || {};
      previewText.textContent = textArea.value.trim() ? render(textArea.value, values) : "";
    }

    function insertVariable(name) {
      const start = textArea.selectionStart ?? textArea.value.length;
      const end = textArea.selectionEnd ?? start;
      textArea.focus();
      textArea.setRangeText(`{${name}}`, start, end, "end");
      textArea.dispatchEvent(new Event("input", { bubbles: true }));
    }

    const fields = { title, text, tags, language: lang };
    const tagList = () => tagsInput.value.split(",").map((s) => s.trim()).filter(Boolean);

    function problems() {
      const found = [];
      const add = (target, key, vars = {}) => found.push({ target, key, vars });
      const titleValue = titleInput.value.trim().replace(/\s+/g, " ");
      const textValue = textArea.value.trim();
      if (!titleValue) add(title, "templates.err.title");
      else if (titleValue.length > TITLE_MAX) add(title, "templates.err.titleLong", { n: titleValue.length });
      if (!textValue) add(text, "templates.err.text");
      else if (textValue.length > TEXT_MAX) add(text, "templates.err.textLong", { n: textValue.length });
      const unknown = unknownVariables(textValue);
      if (unknown.length) add(text, "templates.err.unknown", { names: braces(unknown), known: braces(VARIABLES) });
      const long = tagList().find((tag) => tag.length > TAG_MAX);
      if (long) add(tags, "templates.err.tagLong", { tag: long });
      else if (new Set(tagList().map((tag) => tag.toLowerCase())).size > TAGS_MAX) add(tags, "templates.err.tags");
      return found;
    }

    function show(found) {
      const first = new Map();
      for (const p of found) if (!first.has(p.target)) first.set(p.target, p);
      for (const [target, p] of first) {
        target.showError({ text: p.text ? h("span", { l: p.text }) : h("span", { t: p.key, vars: p.vars }) });
      }
      errorSummary(errors, "templates.form.errorsTitle", found.map((p) => ({
        field: p.target, text: p.text ? h("span", { l: p.text }) : h("span", { t: p.key, vars: p.vars }),
      })));
    }

    function conflict(error) {
      const reload = h("button", { type: "button", class: "button-secondary", t: "templates.form.reload" });
      const alert = h("div", { class: "error-summary", role: "alert", tabindex: "-1" },
        h("h2", { t: "templates.form.errorsTitle" }),
        h("p", { l: errorTexts(error) }),
        editing && error.status === 409 ? reload : null);
      clear(errors, alert);
      alert.focus();
      reload.addEventListener("click", async () => {
        await load();
        const fresh = catalogue?.templates?.find((tpl) => tpl.template_id === template.template_id);
        if (fresh) openEditor(fresh, editor?.opener);
      });
    }

    form.addEventListener("input", () => {
      intent.reset(); // changed input: a new intent (a retry of the same input reuses its id)
      drawPreview();
    });
    languageSelect.addEventListener("change", drawPreview);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      Object.values(fields).forEach((f) => f.clearError());
      clear(errors);
      const found = problems();
      if (found.length) {
        show(found);
        return;
      }
      const body = {
        title: titleInput.value.trim(),
        text: textArea.value.trim(),
        language: languageSelect.value,
        tags: tagList(),
      };
      save.disabled = true;
      try {
        const saved = editing
          ? await ctx.api.request("PUT", `/staff/templates/${encodeURIComponent(template.template_id)}`,
            { body: { ...body, version }, idempotent: true })
          : await ctx.api.post("/staff/templates", {
            ...body,
            template_id: intent.current(),
            scope: radios.find((r) => r.checked)?.value || "personal",
            unit_id: unitId,
          }, { idempotent: true });
        if (destroyed) return;
        intent.reset();
        version = saved.version;
        closeEditor({ focus: false });
        searchInput.value = "";
        await load();
        notify("templates.saved", { title: saved.title });
      } catch (error) {
        if (destroyed) return;
        const target = fields[error.field];
        if (target && error.status === 422) show([{ target, text: errorTexts(error) }]);
        else conflict(error);
        if ([404, 409].includes(error.status)) load();
      } finally {
        save.disabled = false;
      }
    });
    drawPreview();
    return form;
  }

  newButton.addEventListener("click", () => openEditor(null, newButton));
  searchInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(load, SEARCH_DELAY_MS);
  });

  const offLanguage = onLanguageChange(() => { if (catalogue) drawVariables(); }); // "Här: …" in the new language
  await load();
  return () => {
    destroyed = true;
    clearTimeout(searchTimer);
    offLanguage();
  };
}
