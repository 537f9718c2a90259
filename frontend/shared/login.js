// Strong login, shared by both frontends: the login panel and the return from an OpenID Connect provider.
//
// The panel offers what GET /auth/methods says this region has: BankID on this device, BankID on another device
// (QR code) and Freja eID+ for citizens; SITHS eID for staff.
//
// BankID: POST /auth/bankid/start, then POST /auth/bankid/collect about every 2 s until complete or failed, showing
// BankID's recommended message (sv/en, from the server) in a polite live region. On another device the QR code is
// fetched anew every second (/auth/bankid/qr: the server draws it, the QR start secret never reaches the browser).
// On this device the BankID app is started through the autostart link. Leaving the page stops every timer and
// cancels the order.
//
// Freja eID+ and SITHS: a full page navigation to /auth/oidc/<provider>/start. The browser comes back with
// #login=<one-time code> (exchanged for the session token with POST /auth/exchange) or #login_error=<reason>.

import { createApi } from "./api.js";
import { clear, h, uniqueId } from "./dom.js";
import { bind, bindLocalized } from "./i18n.js";

const QR_EVERY_MS = 1000;
const COLLECT_EVERY_MS = 2000;
const MAX_COLLECT_FAILURES = 5; // network hiccups in a row before the login is given up
const LOGIN_ERRORS = new Set(["cancelled", "expired", "failed", "not_registered"]);
const SCANNING_HINTS = new Set([null, undefined, "outstandingTransaction", "noClient"]); // QR not scanned yet

const SVG_NS = "http://www.w3.org/2000/svg";
const SVG_ELEMENTS = new Set(["svg", "g", "path", "rect"]);
const SVG_ATTRIBUTES = new Set(["d", "transform", "stroke", "stroke-width", "fill", "x", "y", "width", "height",
  "class"]);

const returnKey = (kind) => `nara.login.return.${kind}`;

let methodsPromise = null;

function loginMethods(api) {
  methodsPromise ||= api.get("/auth/methods");
  methodsPromise.catch(() => { methodsPromise = null; });
  return methodsPromise;
}

/**
 * Reads #login=<code> or #login_error=<reason> (the return from Freja eID+ or SITHS) and removes it from the URL,
 * restoring the page the user was on when the login began. Returns {code} or {error}, or null.
 */
export function takeLoginReturn(kind) {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const code = params.get("login");
  const error = params.get("login_error");
  if (!code && error === null) return null;
  let back = "";
  try {
    back = sessionStorage.getItem(returnKey(kind)) || "";
    sessionStorage.removeItem(returnKey(kind));
  } catch {
    // storage blocked: start from the start page
  }
  // a page of this app, with the query of its hash route if it had one (a unit's link: #/ny-kontakt?enhet=…)
  if (!/^#\/[\w/%-]*(?:\?[\w%=&.+-]*)?$/.test(back)) back = "";
  history.replaceState(null, "", location.pathname + location.search + back);
  if (code) return { code };
  return { error: LOGIN_ERRORS.has(error) ? error : "failed" };
}

/** The BankID app's start link: the simulator's app page in the local stack, the bankid:/// scheme otherwise. */
function bankidAppLink(config, autoStartToken) {
  const token = encodeURIComponent(autoStartToken);
  if (config.bankidAppUrl) return { url: `${config.bankidAppUrl}?autostarttoken=${token}`, newWindow: true };
  return { url: `bankid:///?autostarttoken=${token}&redirect=null`, newWindow: false };
}

/**
 * The QR code from the server's SVG markup, rebuilt element by element from an allow-list (no script, no event
 * attributes, no foreign content) and made scalable. Returns null if it is not an SVG.
 */
export function qrImage(markup) {
  const parsed = new DOMParser().parseFromString(String(markup || ""), "text/html").body.firstElementChild;
  if (!parsed || parsed.namespaceURI !== SVG_NS || parsed.localName !== "svg") return null;
  const copy = (source) => {
    const el = document.createElementNS(SVG_NS, source.localName);
    for (const attr of source.attributes) {
      if (SVG_ATTRIBUTES.has(attr.name) && source !== parsed) el.setAttribute(attr.name, attr.value);
    }
    for (const child of source.children) {
      if (child.namespaceURI === SVG_NS && SVG_ELEMENTS.has(child.localName)) el.append(copy(child));
    }
    return el;
  };
  const svg = copy(parsed);
  const width = Number.parseFloat(parsed.getAttribute("width"));
  const height = Number.parseFloat(parsed.getAttribute("height"));
  const viewBox = parsed.getAttribute("viewBox");
  if (viewBox && /^[\d.\s-]+$/.test(viewBox)) svg.setAttribute("viewBox", viewBox);
  else if (width > 0 && height > 0) svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.setAttribute("shape-rendering", "crispEdges");
  return svg;
}

/**
 * The login panel. Returns {el, destroy}: destroy() stops the BankID timers and cancels a running BankID order
 * (the router calls it when the page changes).
 */
export function loginPanel(ctx, { headingLevel = "h2" } = {}) {
  const isCitizen = ctx.kind === "citizen";
  const subLevel = headingLevel === "h1" ? "h2" : "h3";
  const headingId = uniqueId("login-heading");
  const heading = h(headingLevel, { id: headingId, tabindex: "-1", t: "login.title" });
  const lead = h("p", { t: isCitizen ? "login.citizenLead" : "login.staffLead" });
  const choices = h("div", { class: "login-choices", "aria-busy": "true" });
  const section = h("section", { class: "card login", "aria-labelledby": headingId }, heading, lead);

  const notice = ctx.takeNotice();
  if (notice) {
    const isError = /^(login\.error|error)\./.test(notice);
    section.append(h("p", { class: isError ? "notice notice-error" : "notice", role: isError ? "alert" : "status",
      t: notice }));
  }

  // --- BankID: one view, shown while a login runs ------------------------------------------------------------
  const bankidHeading = h(subLevel, { class: "bankid-title", tabindex: "-1" });
  const status = h("p", { class: "bankid-status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  const qrHelpId = uniqueId("qr-help");
  const qrBox = h("div", { class: "qr", role: "img", "aria-describedby": qrHelpId,
    attrs: { "aria-label": "login.qrLabel" } });
  const qrArea = h("div", { class: "qr-area", hidden: true },
    qrBox,
    h("div", { id: qrHelpId, class: "qr-help" },
      h("p", { t: "login.qrHelp" }),
      h("p", { class: "hint", t: "login.qrHelpAlt" })));
  const openLink = h("a", { class: "button-secondary", t: "login.bankidOpenApp" });
  const openArea = h("p", { class: "open-app", hidden: true }, h("span", { t: "login.bankidOpenAppHint" }), " ",
    openLink);
  const cancelButton = h("button", { type: "button", class: "button-secondary", t: "login.cancel" });
  const retryButton = h("button", { type: "button", class: "button", t: "login.retry", hidden: true });
  const backButton = h("button", { type: "button", class: "button-link", t: "login.back", hidden: true });
  const bankidView = h("div", { class: "bankid", hidden: true },
    bankidHeading, status, qrArea, openArea,
    h("div", { class: "actions" }, retryButton, cancelButton, backButton));
  section.append(choices, bankidView);

  let run = null; // the BankID login in progress: {sameDevice, trigger, loginId, stopped, timers, ...}
  let lastMessageId = null;

  function setStatus(message, key) {
    if (message?.sv || message?.en) {
      if (message.id && message.id === lastMessageId) return; // unchanged: screen readers need not hear it again
      lastMessageId = message.id;
      bindLocalized(status, message);
    } else if (key) {
      lastMessageId = null;
      bind(status, key);
    }
  }

  /** Runs fn after ms unless the attempt has been stopped by then. */
  function later(attempt, fn, ms) {
    const timer = setTimeout(() => {
      attempt.timers.delete(timer);
      if (!attempt.stopped) fn();
    }, ms);
    attempt.timers.add(timer);
  }

  function stopTimers(attempt) {
    for (const timer of attempt.timers) clearInterval(timer);
    attempt.timers.clear();
  }

  function stopBankid({ cancel }) {
    const attempt = run;
    run = null;
    if (!attempt) return;
    attempt.stopped = true;
    stopTimers(attempt);
    if (cancel && attempt.loginId) {
      ctx.api.post("/auth/bankid/cancel", { login_id: attempt.loginId }).catch(() => {}); // best effort
    }
    attempt.loginId = null;
  }

  function showChoices(focusTarget) {
    stopBankid({ cancel: true });
    bankidView.hidden = true;
    choices.hidden = false;
    lead.hidden = false;
    (focusTarget && focusTarget.isConnected ? focusTarget : heading).focus();
  }

  function showQr(markup) {
    const svg = qrImage(markup);
    if (svg) clear(qrBox, svg);
  }

  async function startBankid(sameDevice, trigger) {
    stopBankid({ cancel: true });
    const attempt = { sameDevice, trigger, loginId: null, stopped: false, timers: new Set(), failures: 0 };
    run = attempt;
    choices.hidden = true;
    lead.hidden = true;
    bankidView.hidden = false;
    bind(bankidHeading, sameDevice ? "login.bankidThisDevice" : "login.bankidOtherDevice");
    clear(qrBox);
    qrArea.hidden = true;
    openArea.hidden = true;
    retryButton.hidden = true;
    backButton.hidden = true;
    cancelButton.hidden = false;
    setStatus(null, "login.bankidStarting");
    bankidHeading.focus();

    let started;
    try {
      started = await ctx.api.post("/auth/bankid/start", { same_device: sameDevice });
    } catch (error) {
      if (!attempt.stopped) failed(attempt, { error });
      return;
    }
    if (attempt.stopped) { // cancelled while starting
      if (started?.login_id) ctx.api.post("/auth/bankid/cancel", { login_id: started.login_id }).catch(() => {});
      return;
    }
    if (started?.status !== "pending" || !started.login_id) {
      failed(attempt, { message: started?.message });
      return;
    }
    attempt.loginId = started.login_id;
    setStatus(started.message);
    if (sameDevice) {
      const app = bankidAppLink(ctx.config, started.auto_start_token);
      openLink.href = app.url;
      if (app.newWindow) {
        openLink.target = "_blank";
        openLink.rel = "noopener";
        window.open(app.url, "_blank", "noopener");
      } else {
        openLink.removeAttribute("target");
        location.href = app.url; // a custom scheme: the app opens, this page stays
      }
      openArea.hidden = false;
    } else {
      showQr(started.qr_svg);
      qrArea.hidden = false;
      let fetching = false;
      attempt.qrTimer = setInterval(async () => {
        if (fetching || attempt.stopped) return;
        fetching = true;
        try {
          const { qr_svg: svg } = await ctx.api.post("/auth/bankid/qr", { login_id: attempt.loginId });
          if (!attempt.stopped && !qrArea.hidden) showQr(svg);
        } catch {
          // the next tick tries again; collect tells when the login has ended
        } finally {
          fetching = false;
        }
      }, QR_EVERY_MS);
      attempt.timers.add(attempt.qrTimer);
    }
    later(attempt, () => collect(attempt), COLLECT_EVERY_MS);
  }

  async function collect(attempt) {
    if (attempt.stopped) return;
    let state;
    try {
      state = await ctx.api.post("/auth/bankid/collect", { login_id: attempt.loginId });
      attempt.failures = 0;
    } catch (error) {
      if (attempt.stopped) return;
      if (error.status === 404) {
        attempt.loginId = null; // the server has forgotten it
        failed(attempt, { key: "login.bankidEnded" });
      } else if (error.status !== 400 && (attempt.failures += 1) < MAX_COLLECT_FAILURES) {
        later(attempt, () => collect(attempt), COLLECT_EVERY_MS);
      } else {
        failed(attempt, { error });
      }
      return;
    }
    if (attempt.stopped) return;
    if (state.status === "complete") {
      attempt.loginId = null;
      stopBankid({ cancel: false });
      ctx.loggedIn({ token: state.token, kind: state.kind, name: state.name });
      return;
    }
    if (state.status === "failed") {
      attempt.loginId = null; // a finished order is gone on the server
      failed(attempt, { message: state.message });
      return;
    }
    setStatus(state.message);
    if (!SCANNING_HINTS.has(state.hint_code) && !qrArea.hidden) {
      qrArea.hidden = true; // scanned: the code has done its job
      clearInterval(attempt.qrTimer);
      attempt.timers.delete(attempt.qrTimer);
    }
    later(attempt, () => collect(attempt), COLLECT_EVERY_MS);
  }

  function failed(attempt, { message, error, key }) {
    const focusWasInside = bankidView.contains(document.activeElement) && document.activeElement !== bankidHeading;
    if (run === attempt) stopBankid({ cancel: Boolean(attempt.loginId) });
    if (message?.sv || message?.en) setStatus(message);
    else setStatus(null, key || (error?.isNetwork ? "error.network" : "error.generic"));
    qrArea.hidden = true;
    openArea.hidden = true;
    cancelButton.hidden = true;
    retryButton.hidden = false;
    backButton.hidden = false;
    retry = () => startBankid(attempt.sameDevice, attempt.trigger);
    back = () => showChoices(attempt.trigger);
    if (focusWasInside || document.activeElement === document.body) retryButton.focus();
  }

  let retry = () => {};
  let back = () => showChoices(null);
  retryButton.addEventListener("click", () => retry());
  backButton.addEventListener("click", () => back());
  cancelButton.addEventListener("click", () => showChoices(run?.trigger));

  // Leaving the page (closing the tab, going elsewhere) while BankID waits: cancel the order.
  const onPageHide = () => {
    if (!run?.loginId) return;
    fetch(`${ctx.config.apiBase}/auth/bankid/cancel`, {
      method: "POST", keepalive: true, headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login_id: run.loginId }),
    }).catch(() => {});
  };
  window.addEventListener("pagehide", onPageHide);

  // --- the choices -------------------------------------------------------------------------------------------
  function option(control, hintKey) {
    const hintId = uniqueId("login-hint");
    control.setAttribute("aria-describedby", hintId);
    return h("li", { class: "login-option" }, control, h("p", { id: hintId, class: "hint", t: hintKey }));
  }

  function oidcLink(provider, textKey, className) {
    return h("a", { class: `${className} login-button`, href: `${ctx.config.apiBase}/auth/oidc/${provider}/start`,
      t: textKey, on: { click: () => rememberPlace() } });
  }

  function rememberPlace() {
    try {
      if (/^#\/./.test(location.hash)) sessionStorage.setItem(returnKey(ctx.kind), location.hash);
      else sessionStorage.removeItem(returnKey(ctx.kind));
    } catch {
      // not remembered: the user lands on the start page
    }
  }

  function renderChoices(methods) {
    const offered = new Set(isCitizen ? methods.citizen : methods.staff);
    const items = [];
    if (isCitizen && offered.has("bankid")) {
      const thisDevice = h("button", { type: "button", class: "button login-button", t: "login.bankidThisDevice" });
      const otherDevice = h("button", { type: "button", class: "button-secondary login-button",
        t: "login.bankidOtherDevice" });
      thisDevice.addEventListener("click", () => startBankid(true, thisDevice));
      otherDevice.addEventListener("click", () => startBankid(false, otherDevice));
      items.push(option(thisDevice, "login.bankidThisDeviceHint"), option(otherDevice, "login.bankidOtherDeviceHint"));
    }
    if (isCitizen && offered.has("freja")) {
      items.push(option(oidcLink("freja", "login.freja", "button-secondary"), "login.frejaHint"));
    }
    if (!isCitizen && offered.has("siths")) {
      items.push(option(oidcLink("siths", "login.siths", "button"), "login.sithsHint"));
    }
    clear(choices, items.length
      ? h("ul", { class: "login-options" }, items)
      : h("p", { class: "notice", t: "login.none" }));
  }

  async function loadChoices() {
    choices.setAttribute("aria-busy", "true");
    try {
      renderChoices(await loginMethods(ctx.api));
    } catch (error) {
      const again = h("button", { type: "button", class: "button-secondary", t: "common.retry",
        on: { click: () => loadChoices().then(() => choices.querySelector("button, a")?.focus()) } });
      clear(choices,
        h("p", { class: "error", role: "alert", t: error?.isNetwork ? "error.network" : "error.generic" }),
        again);
    } finally {
      choices.removeAttribute("aria-busy");
    }
  }
  const ready = loadChoices();

  return {
    el: section,
    ready,
    destroy() {
      window.removeEventListener("pagehide", onPageHide);
      stopBankid({ cancel: true });
    },
  };
}

/** Exchanges the one-time code from #login=<code> for the session ({token, kind, name}). */
export function exchangeLoginCode(config, code) {
  // its own client: a refused code must not count as "the session expired" for a session this tab may have
  return createApi({ base: config.apiBase, retries: 0 }).post("/auth/exchange", { code });
}
