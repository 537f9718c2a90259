// The staff frontend: login, unit chooser (from the roles in /api/me), the unit's live queue (Ta ärende) with the
// time left to each deadline (for the unit's coordinator every profession's, the cases escalated to them — past
// their deadline, unclaimed — first as "Eskalerade ärenden"), Pågående ärenden (workspace.js: my cases with
// their chats side by side), and one case in full with its handling, decisions and chat (handling.js).

import { loginPanel, startApp } from "/shared/app.js";
import { accessLogView } from "./accesslog.js";
import { regionAdminView, regionAdminAccess } from "./regionadmin.js";
import { unitAdminView } from "./unitadmin.js";
import { alertArea } from "./alerts.js";
import { clear, codeLabel, errorMessage, errorTexts, h, priorityBadge, uniqueId } from "/shared/dom.js";
import { bind } from "/shared/i18n.js";
import { calendarView } from "./calendar.js";
import { caseWorkspace, rememberSelf } from "./handling.js";
import { followMyCases, onMyCases } from "./mycases.js";
import { phoneInviteForm } from "./phoneinvite.js";
import { scheduleView } from "./schedule.js";
import "./staff-strings.js";
import { statisticsView, triageQualityView } from "./statistics.js";
import { timeLeft } from "./timeleft.js";
import { workspaceView } from "./workspace.js";

const QUEUE_REFRESH_MS = 10_000; // the fallback: changes are pushed over the WebSocket
const UNIT_KEY = "nara.staff.unit";
const professionFilter = new Map(); // unit_id -> chosen profession ("" = all), kept while the tab lives
const COORDINATOR = "coordinator"; // the named role a unit's overdue cases are escalated to
const NOT_PROFESSIONS = new Set(["admin", COORDINATOR]); // roles that are no profession: no queue of their own

function loggedOutView(ctx) {
  ctx.setTitle("login.title");
  const login = loginPanel(ctx, { headingLevel: "h1" });
  ctx.main.append(h("div", { class: "narrow" }, login.el));
  return login.destroy;
}

/** The principal's units, in the order of their roles, each with the roles held there (and the unit's professions). */
async function myUnits(ctx) {
  const [me, units] = await Promise.all([ctx.me(), ctx.units()]);
  const byUnit = new Map();
  for (const role of me.roles) {
    if (!byUnit.has(role.unit_id)) {
      const known = units.get(role.unit_id);
      byUnit.set(role.unit_id, { unit_id: role.unit_id, name: known?.name || role.unit_id, roles: [],
        professions: known?.professions || [] });
    }
    byUnit.get(role.unit_id).roles.push(role.role);
  }
  return byUnit;
}

async function unitsView(ctx) {
  const mine = await myUnits(ctx);
  const stored = sessionStorage.getItem(UNIT_KEY);
  if (mine.size === 1 || (stored && mine.has(stored) && !location.hash.endsWith("/enheter"))) {
    ctx.redirect(`/ko/${encodeURIComponent(mine.has(stored) ? stored : [...mine.keys()][0])}`);
    return;
  }
  ctx.setTitle("units.title");
  ctx.main.append(h("h1", { tabindex: "-1", t: "units.title" }));
  if (!mine.size) {
    ctx.main.append(h("p", { t: "units.none" }));
    return;
  }
  ctx.main.append(h("p", { class: "lead", t: "units.lead" }),
    h("ul", { class: "choices" }, [...mine.values()].map((u) => h("li", {},
      h("a", { class: "choice", href: `#/ko/${encodeURIComponent(u.unit_id)}` },
        h("span", { class: "choice-title" }, u.name),
        h("span", {}, u.roles.map((r, i) => [i ? ", " : "", codeLabel("profession", r)])))))));
}

/** The professions the queue page's filter offers: those one holds at the unit; for its coordinator every profession
 * of the unit too (their queue covers them all, policy.queue_scope). Never "admin" or "coordinator". */
function queueProfessions(unit) {
  const all = unit.roles.includes(COORDINATOR) ? [...unit.roles, ...unit.professions] : unit.roles;
  return [...new Set(all)].filter((r) => !NOT_PROFESSIONS.has(r));
}

async function queueView(ctx, unitId) {
  ctx.setTitle("queue.title");
  const mine = await myUnits(ctx);
  const unit = mine.get(unitId);
  if (!unit) {
    ctx.redirect("/enheter");
    return undefined;
  }
  sessionStorage.setItem(UNIT_KEY, unitId);

  const filter = h("select", { id: "queue-filter" },
    h("option", { value: "", t: "queue.filterAll" }),
    queueProfessions(unit).map((r) => h("option", { value: r, t: `profession.${r}`, vars: { fallback: r } })));
  filter.value = professionFilter.get(unitId) || "";
  const refresh = h("button", { type: "button", class: "button-secondary", t: "queue.refresh" });
  const updated = h("p", { class: "hint updated" });
  const live = h("span", { class: "live-status", hidden: true });
  const countsId = uniqueId("counts");
  const counts = h("ul", { class: "counts", "aria-labelledby": countsId });
  const error = h("div");
  const claimError = h("div", { class: "claim-error" });
  const body = h("div", { class: "queue-body" });
  const heading = h("h1", { tabindex: "-1", t: "queue.title" });
  const alerts = alertArea(ctx, unitId); // new P1/P2 cases and escalations, at once, with sound
  // The unit's coordinator: the cases escalated to them (past their deadline, unclaimed) first, whether or not they
  // were online when the schedule escalated them — the live banner above tells only who is connected at that minute.
  const coordinator = unit.roles.includes(COORDINATOR);
  const escalatedId = uniqueId("escalated");
  const escalatedList = h("div", { class: "escalated-body" });
  const escalated = coordinator ? h("section", { class: "card escalated", "aria-labelledby": escalatedId },
    h("h2", { id: escalatedId, t: "queue.escalated.title" }),
    h("p", { class: "hint", t: "queue.escalated.lead" }),
    escalatedList) : null;
  const mayClaim = (c) => unit.roles.includes(c.profession); // others may open it (the coordinator reads it)

  ctx.main.append(
    h("div", { class: "page-head" },
      h("div", {},
        h("p", { class: "kicker" }, unit.name),
        heading),
      mine.size > 1 ? h("a", { href: "#/enheter", t: "queue.changeUnit" }) : null),
    h("div", { class: "toolbar" },
      h("div", { class: "field field-inline" }, h("label", { for: "queue-filter", t: "queue.filter" }), filter),
      refresh, live),
    alerts.element,
    escalated,
    updated,
    h("p", { id: countsId, class: "counts-title", t: "queue.counts" }),
    counts, error, claimError, body,
    phoneInviteForm(ctx, unitId));

  // The queue comes a page at a time (most urgent first); "Visa fler" asks for one page more, and every reload
  // fetches as many pages as are shown, so a push or the timer never takes away what the staff member opened up.
  let pages = 1;
  async function fetchQueue() {
    const query = { unit_id: unitId, profession: filter.value };
    const queue = await ctx.api.get("/staff/queue", { query });
    for (let page = 1; page < pages && queue.next_cursor; page += 1) {
      const next = await ctx.api.get("/staff/queue", { query: { ...query, cursor: queue.next_cursor } });
      queue.cases = queue.cases.concat(next.cases.filter((c) => !queue.cases.some((s) => s.case_id === c.case_id)));
      queue.next_cursor = next.next_cursor;
    }
    return queue;
  }

  // One request at a time; a push or click while one runs asks for one more afterwards (never a stale answer last).
  let loading = null;
  let loadAgain = false;
  let destroyed = false;
  function load() {
    if (destroyed) return Promise.resolve();
    if (loading) {
      loadAgain = true;
      return loading;
    }
    body.setAttribute("aria-busy", "true");
    loading = fetchQueue()
      .then((queue) => {
        if (destroyed) return;
        clear(error);
        // the first page brings the escalated cases it does not show, so none is missed however long the queue is
        renderEscalated(queue.cases.concat((queue.escalated || [])
          .filter((e) => !queue.cases.some((c) => c.case_id === e.case_id))));
        renderQueue(queue);
        bind(updated, live.dataset.status === "open" ? "queue.updatedLive" : "queue.updatedAt",
          { at: new Date().toISOString() });
      }, (e) => { if (!destroyed) clear(error, errorMessage(e)); })
      .finally(() => {
        body.removeAttribute("aria-busy");
        loading = null;
        if (loadAgain) {
          loadAgain = false;
          load();
        }
      });
    return loading;
  }

  function renderCounts(byPriority) {
    const known = ["P1", "P2", "P3", "P4", "P5"];
    const keys = [...known, ...Object.keys(byPriority).filter((k) => !known.includes(k)).sort()];
    clear(counts, keys.map((priority) => h("li", { dataset: { priority } },
      priorityBadge(priority), h("span", { class: "count" }, `: ${byPriority[priority] || 0}`))));
  }

  function renderEscalated(cases) {
    if (!escalated) return;
    const active = escalatedList.contains(document.activeElement) ? document.activeElement : null;
    const focused = active ? [active.closest("[data-case-id]")?.dataset.caseId, active.matches("button")] : null;
    const overdue = cases.filter((c) => c.escalated);
    if (!overdue.length) {
      clear(escalatedList, h("p", { class: "empty", t: "queue.escalated.none" }));
      if (active) heading.focus();
      return;
    }
    clear(escalatedList, h("ul", { class: "escalated-list" }, overdue.map((c) => {
      const linkId = uniqueId("escalated-link");
      return h("li", { class: "escalated-entry", dataset: { caseId: c.case_id } },
        h("p", {}, priorityBadge(c.priority), " ",
          h("a", { id: linkId, href: `#/arenden/${encodeURIComponent(c.case_id)}` }, c.reason)),
        h("p", { class: "escalated-facts" }, codeLabel("profession", c.profession), " ", timeLeft(c.seconds_left)),
        mayClaim(c) && !c.referral ? h("button", { type: "button", class: "button claim", "aria-describedby": linkId,
          t: "handling.claim", on: { click: (event) => claim(c, event.currentTarget) } }) : null);
    })));
    if (!focused) return;
    const entry = escalatedList.querySelector(`[data-case-id="${CSS.escape(focused[0] || "")}"]`);
    const again = entry?.querySelector(focused[1] ? "button" : "a") || entry?.querySelector("a");
    (again || escalatedList.querySelector("a") || heading).focus();
  }

  function renderQueue(queue) {
    // keep keyboard focus on the same case (or the same place in the list, when that case left the queue)
    const active = document.activeElement;
    const focusedRow = body.contains(active) ? active.closest("[data-case-id]") : null;
    const focusedKind = active?.matches?.("button") ? "button" : "a";
    const focusedIndex = focusedRow ? [...focusedRow.parentElement.children].indexOf(focusedRow) : -1;
    renderCounts(queue.counts || {});
    if (!queue.cases.length) {
      clear(body, h("p", { class: "card empty", t: "queue.empty" }));
      if (focusedRow) heading.focus();
      return;
    }
    const col = (key) => ({ "data-label": key });
    const total = Math.max(queue.total || 0, queue.cases.length);
    const table = h("table", { class: "queue" },
      h("caption", {}, h("span", { t: "queue.caption" }), " – ",
        h("span", { t: "queue.count", vars: { n: total } })),
      h("thead", {}, h("tr", {}, ["priority", "reason", "age", "profession", "timeLeft", "waiting", "action"]
        .map((c) => h("th", { scope: "col", t: `queue.col.${c}` })))),
      h("tbody", {}, queue.cases.map((c) => {
        const linkId = uniqueId("case-link");
        const referral = c.referral || null;
        return h("tr", { dataset: { caseId: c.case_id }, class: referral ? "is-referral" : null },
          h("td", { attrs: col("queue.col.priority") }, priorityBadge(c.priority)),
          h("td", { attrs: col("queue.col.reason") },
            h("a", { id: linkId, href: `#/arenden/${encodeURIComponent(c.case_id)}`, class: "case-link" }, c.reason),
            referral || c.overridden || c.escalated ? h("span", { class: "markers" },
              c.escalated ? h("span", { class: "marker marker-escalated", t: "queue.escalated.marker" }) : null,
              referral ? h("span", { class: "marker marker-referral",
                t: referral.kind === "overflow" ? "queue.overflowFrom" : "queue.referralFrom",
                vars: { unit: referral.from_unit_name || referral.from_unit_id || "" } }) : null,
              c.overridden ? h("span", { class: "marker marker-override", t: "queue.overridden" }) : null) : null),
          h("td", { attrs: col("queue.col.age") }, c.age_band
            ? h("span", { class: "age-band", t: "patient.years", vars: { band: c.age_band } })
            : h("span", { class: "hint", t: "patient.ageUnknown" })),
          h("td", { attrs: col("queue.col.profession") }, codeLabel("profession", c.profession)),
          h("td", { attrs: col("queue.col.timeLeft") }, timeLeft(c.seconds_left)),
          h("td", { attrs: col("queue.col.waiting") },
            h("span", { t: "fmt.waiting", vars: { seconds: c.waiting_seconds } })),
          h("td", { attrs: col("queue.col.action") },
            c.status !== "queued" ? null
              : referral
                ? h("a", { class: "button-secondary review", href: `#/arenden/${encodeURIComponent(c.case_id)}`,
                  "aria-describedby": linkId, t: "queue.review" })
                : !mayClaim(c) // the coordinator's view of another profession's case: open it, not take it
                  ? h("a", { class: "button-secondary review", href: `#/arenden/${encodeURIComponent(c.case_id)}`,
                    "aria-describedby": linkId, t: "queue.open" })
                  : h("button", { type: "button", class: "button claim", "aria-describedby": linkId,
                    t: "handling.claim", on: { click: (event) => claim(c, event.currentTarget) } })));
      })));
    const more = queue.next_cursor ? h("div", { class: "queue-more" },
      h("p", { class: "hint", t: "queue.shownOf", vars: { shown: queue.cases.length, total } }),
      h("button", { type: "button", class: "button-secondary show-more", t: "queue.showMore",
        on: { click: () => showMore(queue.cases.length) } })) : null;
    clear(body, h("div", { class: "table-wrap" }, table), more);
    if (!focusedRow) return;
    const rows = [...body.querySelectorAll("tbody tr")];
    const same = rows.find((r) => r.dataset.caseId === focusedRow.dataset.caseId);
    const row = same || rows[Math.min(focusedIndex, rows.length - 1)];
    (row.querySelector(focusedKind) || row.querySelector("a")).focus();
  }

  // "Visa fler": the next page; keyboard focus moves to the first case it added (or stays on the list's end).
  async function showMore(shownBefore) {
    pages += 1;
    await load();
    const rows = [...body.querySelectorAll("tbody tr")];
    const first = rows[shownBefore] || rows[rows.length - 1];
    first?.querySelector("a")?.focus();
  }

  function removeRow(caseId) {
    const row = body.querySelector(`[data-case-id="${CSS.escape(caseId)}"]`);
    if (!row) return;
    const rows = [...row.parentElement.children];
    const hadFocus = row.contains(document.activeElement);
    const next = rows[rows.indexOf(row) + 1] || rows[rows.indexOf(row) - 1];
    row.remove();
    if (hadFocus) (next ? next.querySelector("button, a") : heading).focus();
  }

  async function claim(c, button) {
    clear(claimError);
    button.disabled = true;
    try {
      const taken = await ctx.api.post(`/staff/cases/${encodeURIComponent(c.case_id)}/claim`, {}, { idempotent: true });
      rememberSelf(ctx, taken.claimed_by);
      ctx.navigate(`/arenden/${encodeURIComponent(c.case_id)}`);
    } catch (e) {
      if (destroyed) return;
      button.disabled = false;
      const alert = h("div", { class: "notice notice-error", role: "alert", tabindex: "-1" },
        h("p", { class: "error", l: errorTexts(e) }),
        h("p", { t: "queue.claimFailedCase", vars: { reason: c.reason } }));
      clear(claimError, alert);
      if ([403, 404, 409].includes(e.status)) {
        removeRow(c.case_id); // taken or gone: not in this queue any more
        load();
      }
      alert.focus();
    }
  }

  filter.addEventListener("change", () => {
    professionFilter.set(unitId, filter.value);
    pages = 1;
    load();
  });
  refresh.addEventListener("click", () => load());

  // Live: a case claimed, released, handed over or closed at this unit is pushed to its staff; the queue is
  // fetched again (the push says what changed; the REST answer is the truth). Polling stays as the fallback.
  const offs = [alerts.off];
  const realtime = ctx.realtime();
  if (realtime) {
    const showStatus = (status) => {
      live.hidden = status === "stopped";
      live.dataset.status = status;
      bind(live, `queue.live.${status === "open" ? "open" : status === "connecting" ? "connecting" : "closed"}`);
    };
    showStatus(realtime.status);
    offs.push(
      realtime.on("status", showStatus),
      realtime.on("case", (push) => {
        const c = push.case;
        if (!c) return;
        const shown = Boolean(body.querySelector(`[data-case-id="${CSS.escape(c.case_id)}"]`));
        const here = c.unit_id === unitId && (!filter.value || c.profession === filter.value);
        if (!here && !shown) return;
        if (!here || c.status !== "queued") removeRow(c.case_id); // taken, closed, referred on, other profession
        load();
      }),
      realtime.on("open", () => load()),
      realtime.on("alert", () => load()), // an urgent case just came in: it shows in the queue at once
    );
  }
  const timer = setInterval(() => { if (!document.hidden) load(); }, QUEUE_REFRESH_MS);
  await load();
  return () => {
    destroyed = true;
    clearInterval(timer);
    offs.forEach((off) => off());
  };
}

async function caseView(ctx, caseId) {
  ctx.setTitle("staffCase.kicker");
  const [theCase, units, me] = await Promise.all([
    ctx.api.get(`/staff/cases/${encodeURIComponent(caseId)}`), ctx.units(), ctx.me(),
  ]);
  rememberSelf(ctx, me?.hsa_id);
  return caseWorkspace(ctx, theCase, { units });
}

/** "#/ko" and "#/frasmallar" (the header's links): the unit last worked in, or the unit chooser. */
function toUnit(prefix) {
  return async (ctx) => {
    const mine = await myUnits(ctx);
    const stored = sessionStorage.getItem(UNIT_KEY);
    const unitId = mine.has(stored) ? stored : mine.size === 1 ? [...mine.keys()][0] : null;
    ctx.redirect(unitId ? `/${prefix}/${encodeURIComponent(unitId)}` : "/enheter");
  };
}

const ADMIN_LINKS = ["#/enhet", "#/loggranskning", "#/statistik", "#/triagekvalitet"];

/** Every logged-in page keeps the header's "Pågående (n)" current; Loggranskning, Statistik and Triagekvalitet are
 * shown to admins only, Region to the region's administrators only. */
function tracked(view) {
  return (ctx, ...params) => {
    followMyCases(ctx);
    ctx.me().then((me) => {
      const admin = me.roles.some((r) => r.role === "admin");
      for (const href of ADMIN_LINKS) {
        const link = document.querySelector(`#nav a[href="${href}"]`);
        if (link) link.parentElement.hidden = !admin;
      }
    }, () => {});
    const regionLink = document.querySelector('#nav a[href="#/region"]');
    if (regionLink && regionLink.dataset.checked !== "yes") regionLink.parentElement.hidden = true;
    regionAdminAccess(ctx).then((regionAdmin) => {
      const link = document.querySelector('#nav a[href="#/region"]');
      if (!link) return;
      link.parentElement.hidden = !regionAdmin;
      link.dataset.checked = "yes";
    }, () => {});
    return view(ctx, ...params);
  };
}

onMyCases(({ cases }) => {
  const link = document.querySelector('#nav a[href="#/pagaende"]');
  if (link) bind(link, "nav.ongoing", cases ? { n: cases.length } : {});
});

startApp({
  kind: "staff",
  titleKey: "app.staffTitle",
  loginView: loggedOutView,
  nav: [
    { href: "#/ko", t: "nav.queue" },
    { href: "#/pagaende", t: "nav.ongoing" },
    { href: "#/frasmallar", t: "nav.templates" },
    { href: "#/kalender", t: "nav.calendar" },
    { href: "#/schema", t: "nav.schedule" },
    { href: "#/enhet", t: "nav.unitAdmin" },
    { href: "#/loggranskning", t: "nav.accessLog" },
    { href: "#/statistik", t: "nav.statistics" },
    { href: "#/triagekvalitet", t: "nav.triageQuality" },
    { href: "#/region", t: "nav.regionAdmin" },
  ],
  routes: [
    { path: /^\/(?:enheter)?$/, auth: true, view: tracked(unitsView) },
    { path: /^\/ko$/, auth: true, view: toUnit("ko") },
    { path: /^\/ko\/([^/]+)$/, auth: true, view: tracked(queueView) },
    { path: /^\/pagaende(?:\/([^/]+))?$/, auth: true, view: tracked(workspaceView) },
    { path: /^\/arenden\/([^/]+)$/, auth: true, view: tracked(caseView) },
    { path: /^\/frasmallar$/, auth: true, view: toUnit("frasmallar") },
    { path: /^\/kalender$/, auth: true, view: toUnit("kalender") },
    { path: /^\/kalender\/([^/]+)$/, auth: true, view: tracked(calendarView) },
    { path: /^\/schema$/, auth: true, view: toUnit("schema") },
    { path: /^\/schema\/([^/]+)$/, auth: true, view: tracked(scheduleView) },
    { path: /^\/enhet$/, auth: true, view: toUnit("enhet") },
    { path: /^\/enhet\/([^/]+)$/, auth: true, view: tracked(unitAdminView) },
    { path: /^\/loggranskning$/, auth: true, view: toUnit("loggranskning") },
    { path: /^\/loggranskning\/([^/]+)$/, auth: true, view: tracked(accessLogView) },
    { path: /^\/statistik$/, auth: true, view: toUnit("statistik") },
    { path: /^\/statistik\/([^/]+)$/, auth: true, view: tracked(statisticsView) },
    { path: /^\/triagekvalitet$/, auth: true, view: toUnit("triagekvalitet") },
    { path: /^\/triagekvalitet\/([^/]+)$/, auth: true, view: tracked(triageQualityView) },
    { path: /^\/region$/, auth: true, view: tracked(regionAdminView) },
    { path: /^\/region\/ruttning$/, auth: true,
      view: tracked((ctx) => import("./routingsim.js").then((m) => m.routingSimulatorView(ctx))) },
    { path: /^\/frasmallar\/([^/]+)$/, auth: true,
      view: tracked((ctx, unitId) => import("./templates.js").then((m) => m.templatesView(ctx, unitId))) },
  ],
});
