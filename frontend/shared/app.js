// The frame both frontends share: configuration, session, API client, realtime connection, hash router,
// header (language switch, who is logged in, log out), and the return from a strong login (see login.js).

import { createApi } from "./api.js";
import { clear, errorMessage, h } from "./dom.js";
import { bind, initI18n, mountLanguageSwitch, onLanguageChange, t } from "./i18n.js";
import { exchangeLoginCode, takeLoginReturn } from "./login.js";
import { Realtime } from "./realtime.js";

export { loginPanel } from "./login.js";

/** window.NARA_CONFIG from /config.js: apiBase, wsUrl, region, branding, and bankidAppUrl (local stack only). */
export const config = { apiBase: "/api", wsUrl: "", region: "", bankidAppUrl: "", ...(window.NARA_CONFIG || {}) };

/** The login lives in sessionStorage, one per frontend, so it ends with the tab. */
export class Session {
  constructor(kind) {
    this.key = `nara.session.${kind}`;
    try {
      this.data = JSON.parse(sessionStorage.getItem(this.key) || "null");
    } catch {
      this.data = null;
    }
  }

  get token() {
    return this.data?.token || null;
  }

  get name() {
    return this.data?.name || "";
  }

  save(data) {
    this.data = { token: data.token, name: data.name, kind: data.kind };
    sessionStorage.setItem(this.key, JSON.stringify(this.data));
  }

  clear() {
    this.data = null;
    sessionStorage.removeItem(this.key);
  }
}

/**
 * Starts a frontend. routes: [{path: /^\/arenden\/([^/]+)$/, auth: true, view: (ctx, ...params) => cleanup?}].
 * loginView(ctx) renders the logged-out start; nav: [{href: "#/...", t: "nav.key"}] shows when logged in.
 */
const HEX = /^#[0-9a-f]{6}$/i;

/** A colour mixed towards white (share 0..1 of white): the light backgrounds of the region's accent. */
function tint(hex, share) {
  const mix = (i) => Math.round(parseInt(hex.slice(i, i + 2), 16) * (1 - share) + 255 * share);
  return `rgb(${mix(1)}, ${mix(3)}, ${mix(5)})`;
}

/** A colour made darker (share 0..1 of black): the hover state of buttons and links. */
function shade(hex, share) {
  const mix = (i) => Math.round(parseInt(hex.slice(i, i + 2), 16) * (1 - share));
  return `rgb(${mix(1)}, ${mix(3)}, ${mix(5)})`;
}

/**
 * The region's colours (branding: accent for links and buttons on white, primary for the header's band), both checked
 * for WCAG AA contrast (4.5:1) where they are set, and its logo (logo_url, see showLogo): from the configuration file
 * (config.js, at once) and from the region's administrators in the staff dashboard (GET /branding, see
 * loadStoredBranding). Without branding the stylesheet's own colours apply and no logo is shown.
 */
export function applyBranding(branding = config.branding) {
  const root = document.documentElement.style;
  if (HEX.test(branding?.accent || "")) {
    root.setProperty("--primary", branding.accent);
    root.setProperty("--primary-dark", shade(branding.accent, 0.25));
    root.setProperty("--primary-soft", tint(branding.accent, 0.9));
  }
  if (HEX.test(branding?.primary || "")) root.setProperty("--brand", branding.primary);
  if (branding?.logo_url) showLogo(branding.logo_url);
}

/**
 * The region's logo at the start of the header (both frontends), sized small by the stylesheet, with the region's
 * name as its text alternative. Only a path on this origin is shown (config.js: /branding/<file>; a logo uploaded
 * in the staff dashboard: /api/branding/uploads/<hash>.svg); none: no logo.
 */
export function showLogo(url) {
  const row = document.querySelector(".site-header .header-row");
  if (!row) return;
  let img = row.querySelector("img.brand-logo");
  if (typeof url !== "string" || !/^\/(?!\/)[A-Za-z0-9._/-]+\.(svg|png)$/.test(url)) {
    img?.remove();
    return;
  }
  if (!img) {
    img = h("img", { class: "brand-logo", height: "40" });
    row.prepend(img);
  }
  img.alt = config.region || "";
  if (img.getAttribute("src") !== url) img.src = url;
}

/**
 * The branding the region's administrators keep (GET /branding, public), applied over config.js's on every page load,
 * so a change in the dashboard shows on the next load, in the local stack and in AWS alike. Best effort: without an
 * answer the colours of config.js stay.
 */
export function loadStoredBranding() {
  const url = new URL(`${config.apiBase.replace(/\/$/, "")}/branding`, location.origin);
  return fetch(url, { headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((branding) => { if (branding) applyBranding(branding); })
    .catch(() => {});
}

export function startApp({ kind, titleKey, routes, loginView, nav = [] }) {
  applyBranding();
  loadStoredBranding();
  initI18n();
  mountLanguageSwitch(document.getElementById("lang-switch"));
  wireSkipLink();
  const loginReturn = takeLoginReturn(kind); // before the router reads the hash

  const main = document.getElementById("main");
  const session = new Session(kind);
  let realtime = null;
  let cleanup = null;
  let notice = null; // a one-time message for the next page, e.g. "you have been logged out"
  let pageKey = null;
  let pageVars = {};
  let rendered = false;
  let renders = 0;
  let unitsPromise = null;
  let mePromise = null;

  const api = createApi({ base: config.apiBase, getToken: () => session.token, onUnauthenticated: () => expire() });

  const ctx = {
    kind, config, api, session, main,
    realtime() {
      if (!realtime && session.token && config.wsUrl) {
        realtime = new Realtime({
          url: config.wsUrl,
          getTicket: () => api.post("/auth/ws-ticket", {}).then((body) => body.ticket),
        }).start();
      }
      return realtime;
    },
    /** Like navigate, but replaces the history entry (for redirects). */
    redirect(path) {
      if (location.hash === `#${path}`) render();
      else location.replace(`#${path}`);
    },
    navigate(path) {
      if (location.hash === `#${path}`) render();
      else location.hash = path;
    },
    setTitle(key, vars = {}) {
      pageKey = key;
      pageVars = vars;
      updateTitle();
    },
    /** GET /me once per login (the roles do not change within a session). */
    me() {
      mePromise ||= api.get("/me");
      mePromise.catch(() => { mePromise = null; });
      return mePromise;
    },
    units() {
      unitsPromise ||= api.get("/units").then((body) => new Map(body.units.map((u) => [u.unit_id, u])));
      unitsPromise.catch(() => { unitsPromise = null; });
      return unitsPromise;
    },
    loggedIn(data) {
      stopRealtime(); // a new login replaces whatever session this tab had
      unitsPromise = null;
      mePromise = null;
      session.save(data);
      renderHeader();
      render();
    },
    logout,
    takeNotice() {
      const taken = notice;
      notice = null;
      return taken;
    },
    render: () => render(),
  };

  function updateTitle() {
    const app = t(titleKey);
    document.title = pageKey ? t("page.title", { page: t(pageKey, pageVars) }) : app;
  }

  function stopRealtime() {
    realtime?.stop();
    realtime = null;
  }

  function endSession() {
    stopRealtime();
    session.clear();
    unitsPromise = null;
    mePromise = null;
    renderHeader();
  }

  function logout() {
    const token = session.token;
    endSession();
    ctx.navigate("/");
    // end the session on the server too; best effort, the token is already forgotten here
    createApi({ base: config.apiBase, getToken: () => token, retries: 1 }).post("/auth/logout", {}).catch(() => {});
  }

  /** The server said 401: log in again on the same page, which then shows what was asked for. */
  function expire() {
    if (!session.token) return;
    notice = "session.expired";
    endSession();
    render();
  }

  /** Back from Freja eID+ or SITHS with a one-time code: exchange it for the session. */
  async function finishLogin(code) {
    const view = h("div", { class: "view" },
      h("h1", { tabindex: "-1", t: "login.title" }),
      h("p", { class: "notice", role: "status", t: "login.finishing" }));
    clear(main, view);
    try {
      ctx.loggedIn(await exchangeLoginCode(config, code));
    } catch (error) {
      notice = error?.isNetwork ? "error.network" : "login.error.exchange";
      render();
    }
  }

  function renderHeader() {
    const userArea = document.getElementById("user-area");
    const navEl = document.getElementById("nav");
    if (!session.token) {
      clear(userArea);
      if (navEl) navEl.hidden = true;
      return;
    }
    clear(userArea,
      h("span", { class: "user-name", t: "session.loggedInAs", vars: { name: session.name } }),
      h("button", { type: "button", class: "button-link", t: "session.logout", on: { click: logout } }));
    if (navEl && nav.length) {
      navEl.hidden = false;
      clear(navEl.querySelector("ul"), nav.map((item) => h("li", {}, h("a", { href: item.href, t: item.t }))));
      markCurrentNav();
    }
  }

  function markCurrentNav() {
    const hash = location.hash || "#/";
    for (const a of document.querySelectorAll("#nav a")) {
      const href = a.getAttribute("href");
      const current = hash === href || (href !== "#/" && hash.startsWith(`${href}/`));
      if (current) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
  }

  async function render() {
    if (cleanup) {
      try {
        cleanup();
      } catch (error) {
        console.error(error);
      }
      cleanup = null;
    }
    pageKey = null;
    pageVars = {};
    const path = location.hash.replace(/^#/, "") || "/";
    const route = routes.map((r) => ({ r, match: path.match(r.path) })).find((x) => x.match);
    // Each render gets its own container: a view still awaiting the server when the user moves on
    // then writes into a detached element instead of into the next page.
    const generation = ++renders;
    const view = h("div", { class: "view" });
    clear(main, view);
    const viewCtx = Object.create(ctx, { main: { value: view } });
    markCurrentNav();
    let done;
    try {
      if (!route) {
        view.append(h("h1", { tabindex: "-1", t: "error.pageNotFound" }));
      } else if (route.r.auth && !session.token) {
        done = await loginView(viewCtx);
      } else {
        done = await route.r.view(viewCtx, ...route.match.slice(1).map(decodeURIComponent));
      }
    } catch (error) {
      view.append(errorMessage(error));
    }
    if (generation !== renders) {
      if (typeof done === "function") done(); // overtaken by a newer render
      return;
    }
    cleanup = typeof done === "function" ? done : null;
    updateTitle();
    if (rendered) main.querySelector("h1")?.focus(); // tell screen readers the page changed; not on first load
    rendered = true;
  }

  const footer = document.getElementById("footer-text");
  if (footer && config.region) bind(footer, "app.footer", { region: config.region });
  onLanguageChange(updateTitle);
  window.addEventListener("hashchange", render);
  renderHeader();
  if (loginReturn?.code) {
    finishLogin(loginReturn.code);
  } else {
    if (loginReturn?.error) notice = `login.error.${loginReturn.error}`;
    render();
  }
  return ctx;
}

function wireSkipLink() {
  // The router owns the hash, so the skip link moves focus itself instead of navigating to #main.
  const skip = document.querySelector(".skip-link");
  skip?.addEventListener("click", (event) => {
    event.preventDefault();
    const target = document.getElementById("main");
    target.focus();
    target.scrollIntoView();
  });
}
