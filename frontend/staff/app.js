// The staff frontend: login, unit chooser (from the roles in /api/me), the unit's queue, and one case with chat.

import { loginPanel, startApp } from "/shared/app.js";
import { mountChat } from "/shared/chat.js";
import { clear, codeLabel, errorMessage, h, priorityBadge, timeEl } from "/shared/dom.js";
import { bind } from "/shared/i18n.js";

const QUEUE_REFRESH_MS = 10_000; // until the queue is pushed over the WebSocket
const UNIT_KEY = "nara.staff.unit";
const professionFilter = new Map(); // unit_id -> chosen profession ("" = all), kept while the tab lives

function loggedOutView(ctx) {
  ctx.setTitle("login.title");
  const login = loginPanel(ctx, { headingLevel: "h1" });
  ctx.main.append(h("div", { class: "narrow" }, login.el));
  return login.destroy;
}

/** The principal's units, in the order of their roles, each with the roles held there. */
async function myUnits(ctx) {
  const [me, units] = await Promise.all([ctx.me(), ctx.units()]);
  const byUnit = new Map();
  for (const role of me.roles) {
    if (!byUnit.has(role.unit_id)) {
      byUnit.set(role.unit_id, { unit_id: role.unit_id, name: units.get(role.unit_id)?.name || role.unit_id, roles: [] });
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
    [...new Set(unit.roles)].map((r) => h("option", { value: r, t: `profession.${r}`, vars: { fallback: r } })));
  filter.value = professionFilter.get(unitId) || "";
  const refresh = h("button", { type: "button", class: "button-secondary", t: "queue.refresh" });
  const updated = h("p", { class: "hint updated" });
  const counts = h("ul", { class: "counts" });
  const error = h("div");
  const body = h("div", { class: "queue-body" });

  ctx.main.append(
    h("div", { class: "page-head" },
      h("div", {},
        h("p", { class: "kicker" }, unit.name),
        h("h1", { tabindex: "-1", t: "queue.title" })),
      mine.size > 1 ? h("a", { href: "#/enheter", t: "queue.changeUnit" }) : null),
    h("div", { class: "toolbar" },
      h("div", { class: "field field-inline" }, h("label", { for: "queue-filter", t: "queue.filter" }), filter),
      refresh),
    updated, counts, error, body);

  let loading = false;
  async function load() {
    if (loading) return;
    loading = true;
    refresh.disabled = true;
    try {
      const queue = await ctx.api.get("/staff/queue", { query: { unit_id: unitId, profession: filter.value } });
      clear(error);
      renderQueue(queue);
      bind(updated, "queue.updatedAt", { at: new Date().toISOString() });
    } catch (e) {
      clear(error, errorMessage(e));
    } finally {
      loading = false;
      refresh.disabled = false;
    }
  }

  function renderQueue(queue) {
    // keep keyboard focus on the same case across refreshes
    const focusedCase = document.activeElement?.closest?.("[data-case-id]")?.dataset.caseId;
    clear(counts, Object.entries(queue.counts).sort().map(([priority, n]) => h("li", {},
      priorityBadge(priority), h("span", { class: "count" }, `: ${n}`))));
    if (!queue.cases.length) {
      clear(body, h("p", { class: "card empty", t: "queue.empty" }));
      return;
    }
    const col = (key) => ({ "data-label": key });
    const table = h("table", { class: "queue" },
      h("caption", {}, h("span", { t: "queue.caption" }), " – ",
        h("span", { t: "queue.count", vars: { n: queue.cases.length } })),
      h("thead", {}, h("tr", {}, ["priority", "reason", "profession", "waiting", "submitted", "status"]
        .map((c) => h("th", { scope: "col", t: `queue.col.${c}` })))),
      h("tbody", {}, queue.cases.map((c) => h("tr", { dataset: { caseId: c.case_id } },
        h("td", { attrs: col("queue.col.priority") }, priorityBadge(c.priority)),
        h("td", { attrs: col("queue.col.reason") },
          h("a", { href: `#/arenden/${encodeURIComponent(c.case_id)}`, class: "case-link" }, c.reason)),
        h("td", { attrs: col("queue.col.profession") }, codeLabel("profession", c.profession)),
        h("td", { attrs: col("queue.col.waiting") },
          h("span", { t: "fmt.waiting", vars: { seconds: c.waiting_seconds } })),
        h("td", { attrs: col("queue.col.submitted") }, timeEl(c.submitted_at)),
        h("td", { attrs: col("queue.col.status") }, codeLabel("status", c.status))))));
    clear(body, h("div", { class: "table-wrap" }, table));
    if (focusedCase) body.querySelector(`[data-case-id="${CSS.escape(focusedCase)}"] a`)?.focus();
  }

  filter.addEventListener("change", () => {
    professionFilter.set(unitId, filter.value);
    load();
  });
  refresh.addEventListener("click", load);
  const timer = setInterval(() => { if (!document.hidden) load(); }, QUEUE_REFRESH_MS);
  await load();
  return () => clearInterval(timer);
}

async function caseView(ctx, caseId) {
  ctx.setTitle("staffCase.kicker");
  const [theCase, units] = await Promise.all([
    ctx.api.get(`/staff/cases/${encodeURIComponent(caseId)}`), ctx.units(),
  ]);
  const unitName = units.get(theCase.unit_id)?.name || theCase.unit_id;
  const events = [...theCase.timeline].sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
  const left = h("div", { class: "case-info" },
    h("section", { class: "card", "aria-labelledby": "summary-heading" },
      h("h2", { id: "summary-heading", t: "staffCase.summary" }),
      h("dl", { class: "details" },
        h("dt", { t: "staffCase.priority" }), h("dd", {}, priorityBadge(theCase.priority)),
        h("dt", { t: "staffCase.reason" }), h("dd", {}, theCase.reason),
        h("dt", { t: "staffCase.freeText" }),
        theCase.free_text ? h("dd", { class: "free-text" }, theCase.free_text) : h("dd", { t: "staffCase.noFreeText" }),
        h("dt", { t: "staffCase.profession" }), h("dd", {}, codeLabel("profession", theCase.profession)),
        h("dt", { t: "staffCase.status" }), h("dd", {}, codeLabel("status", theCase.status)),
        h("dt", { t: "staffCase.submitted" }), h("dd", {}, timeEl(theCase.submitted_at)),
        h("dt", { t: "staffCase.unit" }), h("dd", {}, unitName))),
    h("section", { class: "card", "aria-labelledby": "timeline-heading" },
      h("h2", { id: "timeline-heading", t: "staffCase.timeline" }),
      events.length
        ? h("ol", { class: "timeline" }, events.map((e) => h("li", {},
          timeEl(e.occurred_at), " ", codeLabel("timeline", e.type))))
        : h("p", { t: "staffCase.timelineEmpty" })));
  const right = h("div", { class: "case-chat" });
  ctx.main.append(
    h("p", { class: "back" }, h("a", { href: `#/ko/${encodeURIComponent(theCase.unit_id)}`, t: "staffCase.back" })),
    h("p", { class: "kicker" }, h("span", { t: "staffCase.kicker" }), priorityBadge(theCase.priority)),
    h("h1", { tabindex: "-1" }, theCase.reason),
    h("div", { class: "case-layout" }, left, right));
  const chat = mountChat(right, { ctx, caseId, emptyKey: "chat.emptyStaff" });
  return () => chat.destroy();
}

startApp({
  kind: "staff",
  titleKey: "app.staffTitle",
  loginView: loggedOutView,
  routes: [
    { path: /^\/(?:enheter)?$/, auth: true, view: unitsView },
    { path: /^\/ko\/([^/]+)$/, auth: true, view: queueView },
    { path: /^\/arenden\/([^/]+)$/, auth: true, view: caseView },
  ],
});
