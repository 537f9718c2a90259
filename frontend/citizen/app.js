// The citizen frontend: the start page (what Nära is and is not, login) and the routes of the journey.
// Everything after login is loaded when first needed, with its strings, so the start page stays small
// (docs/benchmarks.md, "Start page weight").

import { config, loginPanel, startApp } from "/shared/app.js";
import { h } from "/shared/dom.js";
import { addStrings } from "/shared/i18n.js";

let stringsLoaded = null;

// The menu's link to the access log extract (its page, accesslog.js, brings the rest of its strings).
addStrings({ sv: { "nav.accessLog": "Vem har läst mina uppgifter" }, en: { "nav.accessLog": "Who has read my data" } });

/** A view from a module loaded on first use, after the journey's strings. */
function lazy(load, name) {
  return async (ctx, ...params) => {
    stringsLoaded ||= import("./strings.js").then((m) => addStrings(m.STRINGS));
    const [module] = await Promise.all([load(), stringsLoaded]);
    return module[name](ctx, ...params);
  };
}

function intro() {
  return h("section", { class: "intro" },
    h("h1", { tabindex: "-1", t: "start.title" }),
    h("p", { class: "lead", t: "start.lead", vars: { region: config.region } }),
    h("div", { class: "is-isnot" },
      h("div", { class: "card" },
        h("h2", { t: "start.isTitle" }),
        h("ul", {}, ["start.is1", "start.is2", "start.is3"].map((key) => h("li", { t: key })))),
      h("div", { class: "card card-caution" },
        h("h2", { t: "start.isNotTitle" }),
        h("ul", {}, ["start.isNot1", "start.isNot2", "start.isNot3"].map((key) => h("li", { t: key }))))));
}

function loggedOutView(ctx) {
  ctx.setTitle("start.title");
  const login = loginPanel(ctx);
  ctx.main.append(h("div", { class: "start-grid" }, intro(), login.el));
  return login.destroy;
}

const home = lazy(() => import("./intake.js"), "homeView");

startApp({
  kind: "citizen",
  titleKey: "app.citizenTitle",
  loginView: loggedOutView,
  nav: [
    { href: "#/", t: "nav.start" },
    { href: "#/ny-kontakt", t: "nav.newCase" },
    { href: "#/arenden", t: "nav.myCases" },
    { href: "#/vem-har-last", t: "nav.accessLog" },
  ],
  routes: [
    { path: /^\/$/, view: (ctx) => (ctx.session.token ? home(ctx) : loggedOutView(ctx)) },
    { path: /^\/ny-kontakt(?:\?.*)?$/, auth: true, view: lazy(() => import("./intake.js"), "intakeView") },
    { path: /^\/ny-kontakt\/([^/]+)$/, auth: true, view: lazy(() => import("./triage.js"), "triageView") },
    { path: /^\/ny-kontakt\/([^/]+)\/andra$/, auth: true, view: lazy(() => import("./intake.js"), "editIntakeView") },
    { path: /^\/arenden$/, auth: true, view: lazy(() => import("./case.js"), "casesView") },
    { path: /^\/arenden\/([^/]+)$/, auth: true, view: lazy(() => import("./case.js"), "caseView") },
    { path: /^\/vem-har-last$/, auth: true, view: lazy(() => import("./accesslog.js"), "accessLogView") },
    { path: /^\/tillganglighet$/, view: lazy(() => import("./statement.js"), "statementView") },
  ],
});
