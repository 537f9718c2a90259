// "Vem har tagit del av mina uppgifter" (#/vem-har-last): the citizen's own extract of the access log
// (GET /citizen/access-log, newest first, 50 at a time): when, which care unit, in what role, what was done and on
// what ground. Staff are never named here; the care unit and the role are (patientdatalagen, docs/access-log.md).

import { codeLabel, errorMessage, h, timeEl } from "/shared/dom.js";
import { addStrings } from "/shared/i18n.js";

addStrings({
  sv: {
    "accessLog.title": "Vem har tagit del av mina uppgifter",
    "accessLog.lead": "Varje gång vårdpersonal läser eller ändrar något i dina ärenden sparas det i en logg. Här ser "
      + "du när det skedde, vilken vårdenhet och vilken yrkesroll det gällde, vad som gjordes och varför personen "
      + "fick ta del av uppgifterna. Det senaste står först.",
    "accessLog.caption": "Åtkomst till dina uppgifter",
    "accessLog.col.at": "När",
    "accessLog.col.unit": "Vårdenhet",
    "accessLog.col.role": "Yrkesroll",
    "accessLog.col.action": "Vad som gjordes",
    "accessLog.col.ground": "Varför",
    "accessLog.empty": "Ingen vårdpersonal har tagit del av dina uppgifter i Nära.",
    "accessLog.more": "Visa äldre",
    "accessLog.shown": (v) => `Visar ${v.n} händelser.`,
    "accessLog.question": "Har du frågor om loggen, eller tror du att någon har läst dina uppgifter utan anledning? "
      + "Kontakta vårdenheten eller regionens patientnämnd.",
    "profession.admin": "Administratör",
  },
  en: {
    "accessLog.title": "Who has accessed my data",
    "accessLog.lead": "Every time care staff read or change something in your cases, it is saved in a log. Here you "
      + "see when it happened, which care unit and which professional role it was, what was done and why the person "
      + "was allowed to access the data. The latest comes first.",
    "accessLog.caption": "Access to your data",
    "accessLog.col.at": "When",
    "accessLog.col.unit": "Care unit",
    "accessLog.col.role": "Role",
    "accessLog.col.action": "What was done",
    "accessLog.col.ground": "Why",
    "accessLog.empty": "No care staff have accessed your data in Nära.",
    "accessLog.more": "Show older",
    "accessLog.shown": (v) => `Showing ${v.n} events.`,
    "accessLog.question": "Do you have questions about the log, or do you think someone read your data without "
      + "reason? Contact the care unit or the region's patient advisory committee.",
    "profession.admin": "Administrator",
  },
});

export async function accessLogView(ctx) {
  ctx.setTitle("accessLog.title");
  ctx.main.append(h("h1", { tabindex: "-1", t: "accessLog.title" }), h("p", { class: "lead", t: "accessLog.lead" }));
  const [first, units] = await Promise.all([ctx.api.get("/citizen/access-log"), ctx.units()]);
  if (!first.entries.length) {
    ctx.main.append(h("p", { class: "card", t: "accessLog.empty" }), h("p", { class: "hint", t: "accessLog.question" }));
    return;
  }
  const rows = h("tbody");
  const status = h("p", { class: "hint", role: "status" });
  const problem = h("div");
  const more = h("button", { type: "button", class: "button-secondary", t: "accessLog.more" });
  let cursor = null;
  let shown = 0;

  function addPage(page) {
    for (const e of page.entries) {
      rows.append(h("tr", { dataset: { action: e.action } },
        h("td", {}, timeEl(e.at)),
        h("td", {}, units.get(e.unit_id)?.name || e.unit_id),
        h("td", {}, e.roles.map((r, i) => [i ? ", " : "", codeLabel("profession", r)])),
        h("td", { l: e.action_text }),
        h("td", { l: e.ground_text })));
    }
    shown += page.entries.length;
    cursor = page.cursor;
    more.hidden = !cursor;
    status.replaceChildren(h("span", { t: "accessLog.shown", vars: { n: shown } }));
  }

  more.addEventListener("click", async () => {
    more.disabled = true;
    problem.replaceChildren();
    try {
      addPage(await ctx.api.get(`/citizen/access-log?cursor=${encodeURIComponent(cursor)}`));
    } catch (error) {
      problem.replaceChildren(errorMessage(error));
    } finally {
      more.disabled = false;
    }
  });

  const head = ["at", "unit", "role", "action", "ground"].map((c) => h("th", { scope: "col", t: `accessLog.col.${c}` }));
  ctx.main.append(
    h("div", { class: "table-wrap" },
      h("table", { class: "access-log" },
        h("caption", { t: "accessLog.caption" }),
        h("thead", {}, h("tr", {}, head)),
        rows)),
    status, problem, h("p", {}, more), h("p", { class: "hint", t: "accessLog.question" }));
  addPage(first);
}
