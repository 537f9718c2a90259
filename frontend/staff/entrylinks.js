// Länkar och QR-kod, in the unit administration (#/enhet/<unit>): the unit's links into the citizen journey — its
// own and one per profession it offers — each with a copy button, a regional app's deep link, the QR code, the
// snippet for the unit's own website, and "Skriv ut för väntrummet": a poster with the unit's name, a short text and
// a large QR code, printed alone (@media print in staff.css). GET /staff/units/{unit}/entry-links; the QR codes are
// pictures from GET /units/{unit}/qr.svg on this origin (docs/operations.md, "Entry points").

import { clear, codeLabel, errorMessage, h, uniqueId } from "/shared/dom.js";
import { addStrings, bind, t } from "/shared/i18n.js";

const profession = (code) => t(`profession.${code}`, { fallback: code });

addStrings({
  sv: {
    "entry.title": "Länkar och QR-kod",
    "entry.lead": "Med de här länkarna börjar invånaren en ny kontakt med er mottagning redan vald. Lägg dem på "
      + "er webbplats, skriv ut QR-koden till väntrummet eller ge dem till regionens app.",
    "entry.unitLink": "Hela mottagningen",
    "entry.url": "Länk",
    "entry.appUrl": "Länk för regionens app",
    "entry.appHint": "Appen öppnar länken precis som den är, i en webbvy eller i webbläsaren.",
    "entry.snippet": "Kod till er webbplats",
    "entry.snippetHint": "Klistra in koden där knappen ska synas. Den är en vanlig länk utan skript.",
    "entry.copyUrl": "Kopiera länken",
    "entry.copyApp": "Kopiera applänken",
    "entry.copySnippet": "Kopiera koden",
    "entry.copied": "Kopierat.",
    "entry.copySelect": "Texten är markerad: kopiera den med Ctrl+C (Cmd+C på Mac).",
    "entry.qrAlt": (v) => `QR-kod med länken till ${v.unit}`,
    "entry.qrAltProfession": (v) => `QR-kod med länken till ${v.unit}, ${profession(v.code).toLowerCase()}`,
    "entry.print": "Skriv ut för väntrummet",
    "entry.posterText": "Kontakta oss digitalt — skanna koden med mobilen och logga in med BankID eller Freja eID+",
    "entry.posterPrint": "Skriv ut",
    "entry.posterClose": "Stäng",
    "entry.region": "Regionens gemensamma ingång (som från 1177.se), där Nära väljer mottagning:",
  },
  en: {
    "entry.title": "Links and QR code",
    "entry.lead": "With these links citizens start a new contact with your unit already chosen. Put them on your "
      + "website, print the QR code for the waiting room or give them to the region's app.",
    "entry.unitLink": "The whole unit",
    "entry.url": "Link",
    "entry.appUrl": "Link for the region's app",
    "entry.appHint": "The app opens the link exactly as it is, in a web view or in the browser.",
    "entry.snippet": "Code for your website",
    "entry.snippetHint": "Paste the code where the button should show. It is a plain link without scripts.",
    "entry.copyUrl": "Copy the link",
    "entry.copyApp": "Copy the app link",
    "entry.copySnippet": "Copy the code",
    "entry.copied": "Copied.",
    "entry.copySelect": "The text is selected: copy it with Ctrl+C (Cmd+C on a Mac).",
    "entry.qrAlt": (v) => `QR code with the link to ${v.unit}`,
    "entry.qrAltProfession": (v) => `QR code with the link to ${v.unit}, ${profession(v.code).toLowerCase()}`,
    "entry.print": "Print for the waiting room",
    "entry.posterText": "Contact us digitally — scan the code with your phone and log in with BankID or Freja eID+",
    "entry.posterPrint": "Print",
    "entry.posterClose": "Close",
    "entry.region": "The region's common entry (as from 1177.se), where Nära chooses the unit:",
  },
});

/** The section: loads the links; an error is shown in it (the rest of the page still works). */
export function entryLinksSection(ctx, unitId) {
  const titleId = uniqueId("entry-links");
  const body = h("div", { class: "entry-links-body" });
  const section = h("section", { class: "card entry-links", "aria-labelledby": titleId },
    h("h2", { id: titleId, t: "entry.title" }),
    h("p", { class: "hint", t: "entry.lead" }),
    body);
  ctx.api.get(`/staff/units/${encodeURIComponent(unitId)}/entry-links`).then((found) => {
    clear(body,
      found.links.map((link) => linkCard(found, link)),
      h("p", { class: "hint entry-region" }, h("span", { t: "entry.region" }), " ", h("code", {}, found.region_url)));
  }, (error) => clear(body, errorMessage(error)));
  return section;
}

function linkCard(unit, link) {
  const titleId = uniqueId("entry-link");
  const title = link.profession ? codeLabel("profession", link.profession, "h3") : h("h3", { t: "entry.unitLink" });
  title.id = titleId;
  const qrAlt = qrAltText(unit, link);
  const qr = h("img", { class: "entry-qr", src: link.qr_url, width: "160", height: "160", attrs: { alt: qrAlt } });
  const status = h("p", { role: "status", class: "entry-copied" });
  const printButton = h("button", { type: "button", class: "button-secondary", t: "entry.print" });
  printButton.addEventListener("click", () => openPoster(unit, link, printButton));
  return h("article", { class: "entry-link", "aria-labelledby": titleId,
    dataset: { profession: link.profession || "" } },
    title,
    h("div", { class: "entry-link-row" },
      h("div", { class: "entry-link-fields" },
        copyField("entry.url", link.url, "entry.copyUrl", status),
        copyField("entry.appUrl", link.app_url, "entry.copyApp", status, "entry.appHint"),
        copyField("entry.snippet", link.snippet, "entry.copySnippet", status, "entry.snippetHint", true)),
      h("div", { class: "entry-link-qr" }, qr, printButton)),
    status);
}

function qrAltText(unit, link) {
  return link.profession
    ? ["entry.qrAltProfession", { unit: unit.name, code: link.profession }]
    : ["entry.qrAlt", { unit: unit.name }];
}

/** A read-only text (an input, or a textarea for the snippet) with its label and a copy button. */
function copyField(labelKey, value, buttonKey, status, hintKey = null, multiline = false) {
  const id = uniqueId("entry-field");
  const hintId = hintKey ? `${id}-hint` : null;
  const control = multiline
    ? h("textarea", { id, readonly: true, rows: "4", spellcheck: "false", "aria-describedby": hintId })
    : h("input", { id, type: "text", readonly: true, spellcheck: "false", "aria-describedby": hintId });
  control.value = value;
  const button = h("button", { type: "button", class: "button-secondary entry-copy", t: buttonKey });
  button.addEventListener("click", () => copy(control, status));
  return h("div", { class: "field entry-field" },
    h("label", { for: id, t: labelKey }),
    hintKey ? h("p", { id: hintId, class: "hint", t: hintKey }) : null,
    h("div", { class: "entry-copy-row" }, control, button));
}

async function copy(control, status) {
  clear(status);
  try {
    await navigator.clipboard.writeText(control.value);
    bind(status, "entry.copied");
  } catch {
    control.focus();
    control.select(); // no clipboard permission: selected, so Ctrl+C copies
    bind(status, document.execCommand?.("copy") ? "entry.copied" : "entry.copySelect");
  }
}

/**
 * "Skriv ut för väntrummet": a modal dialog with the poster (the unit's name, the short text, a large QR code and
 * the link in words); "Skriv ut" prints it alone (body.poster-open: staff.css hides everything else on paper).
 * Closing it (Stäng, Escape, leaving the page) removes it and returns focus to the button.
 */
function openPoster(unit, link, opener) {
  const titleId = uniqueId("entry-poster");
  const heading = h("h2", { id: titleId, class: "poster-unit" }, unit.name);
  const professionLine = link.profession ? codeLabel("profession", link.profession, "p") : null;
  professionLine?.classList.add("poster-profession");
  const printButton = h("button", { type: "button", class: "button", t: "entry.posterPrint" });
  const closeButton = h("button", { type: "button", class: "button-secondary", t: "entry.posterClose" });
  const dialog = h("dialog", { class: "entry-poster", "aria-labelledby": titleId },
    h("div", { class: "poster-actions" }, printButton, closeButton),
    heading, professionLine,
    h("p", { class: "poster-text", t: "entry.posterText" }),
    h("img", { class: "poster-qr", src: link.qr_url, width: "480", height: "480",
      attrs: { alt: qrAltText(unit, link) } }),
    h("p", { class: "poster-url" }, link.url));
  const leave = () => dialog.close();
  printButton.addEventListener("click", () => window.print());
  closeButton.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    window.removeEventListener("hashchange", leave);
    document.body.classList.remove("poster-open");
    dialog.remove();
    if (opener.isConnected) opener.focus();
  });
  window.addEventListener("hashchange", leave);
  document.body.append(dialog);
  document.body.classList.add("poster-open");
  dialog.showModal();
  printButton.focus();
}
