// Statistik (#/statistik/<unit>) and Triagekvalitet (#/triagekvalitet/<unit>): for the unit's administrators.
// Statistik: the period's key figures, bar charts (our own inline SVG; each with "Visa som tabell", the same numbers
// as a table for screen readers and for anyone who wants the figures) and the CSV download. Triagekvalitet: per
// protocol, its ruleset versions side by side (the mix of priorities and care levels, staff's overrides up and
// down), and the overridden cases for clinical review — each case shown is logged on the server (docs/statistics.md).

import { codeLabel, errorMessage, h, priorityBadge, timeEl, uniqueId } from "/shared/dom.js";
import { field } from "/shared/forms.js";
import { addStrings, language, onLanguageChange, t } from "/shared/i18n.js";

addStrings({
  sv: {
    "nav.statistics": "Statistik",
    "nav.triageQuality": "Triagekvalitet",
    "stats.title": "Statistik",
    "stats.lead": "Enhetens ärenden under perioden, räknade dag för dag när händelserna sker. Ett ärende räknas "
      + "den dag det skickades in.",
    "stats.notAdmin": "Statistiken är för enhetens administratörer.",
    "stats.period": "Period",
    "stats.from": "Från och med (datum)",
    "stats.to": "Till och med (datum)",
    "stats.periodHint": "Tomt: de senaste 30 dagarna.",
    "stats.show": "Visa",
    "stats.download": "Ladda ner CSV",
    "stats.downloadHint": "Semikolonseparerad fil för Excel, med svenska rubriker.",
    "stats.figures": "Nyckeltal",
    "stats.cases": "Ärenden",
    "stats.withinDeadline": "Första kontakt inom tidsgränsen",
    "stats.averageWait": "Medeltid till första kontakt",
    "stats.contactAnyway": "Egenvårdsråd men ändå kontakt",
    "stats.closed": "Avslutade ärenden",
    "stats.overrides": "Ändrade bedömningar",
    "stats.share": (v) => (v.share === null || v.share === undefined ? "–"
      : `${formatNumber(v.share * 100)} %`),
    "stats.shareOf": (v) => `${v.part} av ${v.whole}`,
    "stats.minutes": (v) => (v.minutes === null || v.minutes === undefined ? "–" : `${formatNumber(v.minutes)} min`),
    "stats.chart.perDay": "Ärenden per dag",
    "stats.chart.deadline": "Andel första kontakt inom tidsgränsen, per prioritet",
    "stats.chart.disposition": "Ärenden per vårdnivå (triagens)",
    "stats.chart.closed": "Avslutade ärenden per utfall",
    "stats.chart.complaint": "Ärenden per besvär",
    "stats.showTable": "Visa som tabell",
    "stats.col.day": "Dag",
    "stats.col.priority": "Prioritet",
    "stats.col.disposition": "Vårdnivå",
    "stats.col.outcome": "Utfall",
    "stats.col.complaint": "Besvär (protokoll)",
    "stats.col.cases": "Ärenden",
    "stats.col.contacted": "Första kontakt",
    "stats.col.within": "Inom tidsgränsen",
    "stats.col.share": "Andel inom tidsgränsen",
    "stats.col.count": "Antal",
    "stats.none": "Inga ärenden under perioden.",
    "priority.none": "Ingen (egenvård)",
    "quality.title": "Triagekvalitet",
    "quality.lead": "Hur ofta personalen ändrade triagens bedömning, per protokoll och regelversion, och hur en ny "
      + "regelversion ändrade fördelningen av prioriteter och vårdnivåer.",
    "quality.notAdmin": "Triagekvalitet är för enhetens administratörer.",
    "quality.rulesets": "Regelversioner sida vid sida",
    "quality.protocol": (v) => `Protokoll: ${v.code}`,
    "quality.col.measure": "Mått",
    "quality.cases": "Ärenden",
    "quality.up": "Ändrad till högre prioritet",
    "quality.down": "Ändrad till lägre prioritet",
    "quality.profession": "Ändrad yrkesroll",
    "quality.shareOverridden": "Andel ändrade",
    "quality.priorityRow": (v) => `Prioritet ${v.label}`,
    "quality.dispositionRow": (v) => `Vårdnivå ${v.label}`,
    "quality.review": "Ändrade bedömningar att granska",
    "quality.reviewLead": "Granskningen loggas: varje ärende som visas här får en post i patientens logg.",
    "quality.reviewNone": "Inga ändrade bedömningar under perioden.",
    "quality.col.at": "När",
    "quality.col.case": "Ärende",
    "quality.col.complaint": "Besvär",
    "quality.col.ruleset": "Regelversion",
    "quality.col.change": "Ändring",
    "quality.col.who": "Vem",
    "quality.col.reason": "Motivering",
    "quality.dir.up": "Uppåt",
    "quality.dir.down": "Nedåt",
    "quality.dir.profession": "Yrkesroll",
    "quality.chart": "Ändrade bedömningar per regelversion",
  },
  en: {
    "nav.statistics": "Statistics",
    "nav.triageQuality": "Triage quality",
    "stats.title": "Statistics",
    "stats.lead": "The unit's cases in the period, counted as things happen. A case is counted on the day it was "
      + "submitted.",
    "stats.notAdmin": "Statistics are for the unit's administrators.",
    "stats.period": "Period",
    "stats.from": "From (date)",
    "stats.to": "To (date)",
    "stats.periodHint": "Empty: the last 30 days.",
    "stats.show": "Show",
    "stats.download": "Download CSV",
    "stats.downloadHint": "Semicolon-separated file for Excel, with Swedish headers.",
    "stats.figures": "Key figures",
    "stats.cases": "Cases",
    "stats.withinDeadline": "First contact within the deadline",
    "stats.averageWait": "Mean time to first contact",
    "stats.contactAnyway": "Self-care advice, contact anyway",
    "stats.closed": "Closed cases",
    "stats.overrides": "Changed assessments",
    "stats.share": (v) => (v.share === null || v.share === undefined ? "–"
      : `${formatNumber(v.share * 100)} %`),
    "stats.shareOf": (v) => `${v.part} of ${v.whole}`,
    "stats.minutes": (v) => (v.minutes === null || v.minutes === undefined ? "–" : `${formatNumber(v.minutes)} min`),
    "stats.chart.perDay": "Cases per day",
    "stats.chart.deadline": "Share of first contacts within the deadline, per priority",
    "stats.chart.disposition": "Cases per care level (the triage's)",
    "stats.chart.closed": "Closed cases per outcome",
    "stats.chart.complaint": "Cases per complaint",
    "stats.showTable": "Show as a table",
    "stats.col.day": "Day",
    "stats.col.priority": "Priority",
    "stats.col.disposition": "Care level",
    "stats.col.outcome": "Outcome",
    "stats.col.complaint": "Complaint (protocol)",
    "stats.col.cases": "Cases",
    "stats.col.contacted": "First contact",
    "stats.col.within": "Within the deadline",
    "stats.col.share": "Share within the deadline",
    "stats.col.count": "Number",
    "stats.none": "No cases in the period.",
    "priority.none": "None (self-care)",
    "quality.title": "Triage quality",
    "quality.lead": "How often staff changed the triage's assessment, per protocol and ruleset version, and how a "
      + "new ruleset version changed the mix of priorities and care levels.",
    "quality.notAdmin": "Triage quality is for the unit's administrators.",
    "quality.rulesets": "Ruleset versions side by side",
    "quality.protocol": (v) => `Protocol: ${v.code}`,
    "quality.col.measure": "Measure",
    "quality.cases": "Cases",
    "quality.up": "Changed to a higher priority",
    "quality.down": "Changed to a lower priority",
    "quality.profession": "Changed profession",
    "quality.shareOverridden": "Share changed",
    "quality.priorityRow": (v) => `Priority ${v.label}`,
    "quality.dispositionRow": (v) => `Care level ${v.label}`,
    "quality.review": "Changed assessments to review",
    "quality.reviewLead": "The review is logged: each case shown here gets a record in the patient's log.",
    "quality.reviewNone": "No changed assessments in the period.",
    "quality.col.at": "When",
    "quality.col.case": "Case",
    "quality.col.complaint": "Complaint",
    "quality.col.ruleset": "Ruleset version",
    "quality.col.change": "Change",
    "quality.col.who": "Who",
    "quality.col.reason": "Reason",
    "quality.dir.up": "Up",
    "quality.dir.down": "Down",
    "quality.dir.profession": "Profession",
    "quality.chart": "Changed assessments per ruleset version",
  },
});

function formatNumber(n) {
  return new Intl.NumberFormat(language() === "sv" ? "sv-SE" : "en-GB", { maximumFractionDigits: 1 }).format(n);
}

const SVG = "http://www.w3.org/2000/svg";
const PRIORITY_ORDER = ["P1", "P2", "P3", "P4", "P5", "none"];

function svg(tag, attrs = {}, text = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  if (text !== null) el.textContent = text;
  return el;
}

/**
 * A bar chart a manager reads at a glance: one bar per item, its value written beside it. bars: [{label: () => text,
 * value: number, shown: () => text}]. The SVG is one image for screen readers (named by the caption); the numbers
 * are in the table under "Visa som tabell". Texts follow the language switch.
 */
function barChart({ titleKey, bars, max, table, columns = false, valueWidth = 70 }) {
  const captionId = uniqueId("chart");
  const holder = h("div", { class: "chart" });
  const draw = () => {
    const top = max || Math.max(1, ...bars.map((b) => b.value));
    const image = columns ? drawColumns(bars, top) : drawBars(bars, top, valueWidth);
    for (const [name, value] of Object.entries({ role: "img", "aria-labelledby": captionId, focusable: "false" })) {
      image.setAttribute(name, value);
    }
    holder.replaceChildren(image);
  };
  draw();
  const off = onLanguageChange(draw);
  const figure = h("figure", { class: "card chart-figure" },
    h("figcaption", { id: captionId, t: titleKey }),
    holder,
    h("details", { class: "chart-table" }, h("summary", { t: "stats.showTable" }), table));
  return { el: figure, destroy: off };
}

/** Horizontal bars: a label, the bar, the value after it. */
function drawBars(bars, top, valueWidth) {
  const rowHeight = 26;
  const labelWidth = 170;
  const width = 560;
  const height = Math.max(1, bars.length) * rowHeight + 8;
  const image = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", class: "bar-chart" });
  bars.forEach((bar, i) => {
    const y = i * rowHeight + 4;
    const length = Math.round(((width - labelWidth - valueWidth) * bar.value) / top);
    image.append(
      svg("text", { x: labelWidth - 8, y: y + 15, "text-anchor": "end", class: "bar-label" }, bar.label()),
      svg("rect", { x: labelWidth, y, width: Math.max(bar.value ? 2 : 0, length), height: rowHeight - 8,
        class: "bar", rx: 2 }),
      svg("text", { x: labelWidth + length + 6, y: y + 15, class: "bar-value" }, bar.shown()));
  });
  return image;
}

/** Columns over time (one per day): the value over each column that has one, every seventh label under it. */
function drawColumns(bars, top) {
  const width = 560;
  const height = 190;
  const base = 160;
  const slot = width / Math.max(1, bars.length);
  const image = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", class: "bar-chart" });
  image.append(svg("line", { x1: 0, x2: width, y1: base, y2: base, class: "axis" }));
  bars.forEach((bar, i) => {
    const x = i * slot + slot * 0.15;
    const tall = Math.round(((base - 22) * bar.value) / top);
    image.append(svg("rect", { x, y: base - tall, width: slot * 0.7, height: tall, class: "bar", rx: 1 }));
    if (bar.value) {
      image.append(svg("text", { x: x + slot * 0.35, y: base - tall - 5, "text-anchor": "middle", class: "bar-value" },
        bar.shown()));
    }
    if ((bars.length - 1 - i) % 7 === 0) {
      const last = i === bars.length - 1; // kept inside the image at the right edge
      image.append(svg("text", { x: last ? width : x + slot * 0.35, y: base + 18,
        "text-anchor": last ? "end" : "middle", class: "bar-label" }, bar.label()));
    }
  });
  return image;
}

function dataTable(captionKey, columns, rows) {
  return h("div", { class: "table-wrap" }, h("table", { class: "stats-table" },
    h("caption", { t: captionKey }),
    h("thead", {}, h("tr", {}, columns.map((key) => h("th", { scope: "col", t: key })))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell, i) => (i === 0
      ? h("th", { scope: "row" }, cell) : h("td", {}, cell))))))));
}

const dayLabel = (day) => {
  const [, month, date] = day.split("-");
  return `${Number(date)}/${Number(month)}`;
};
const share = (value) => h("span", { t: "stats.share", vars: { share: value } });
const priorityLabel = (code) => (code === "none" ? t("priority.none") : t(`priority.${code}`));

function periodForm(onShow) {
  const from = field({ name: "from", labelKey: "stats.from", hintKey: "stats.periodHint",
    control: h("input", { type: "date" }) });
  const to = field({ name: "to", labelKey: "stats.to", control: h("input", { type: "date" }) });
  const id = uniqueId("period");
  const form = h("form", { class: "card stats-period", novalidate: true, "aria-labelledby": id },
    h("h2", { id, t: "stats.period" }), from.el, to.el, h("button", { type: "submit", class: "button", t: "stats.show" }));
  const query = () => new URLSearchParams([["from", from.control.value], ["to", to.control.value]]
    .filter(([, v]) => v));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    from.clearError();
    to.clearError();
    onShow(query(), { from, to });
  });
  return { form, query, fields: { from, to } };
}

async function adminOf(ctx, unitId) {
  const [me, units] = await Promise.all([ctx.me(), ctx.units()]);
  const here = me.roles.filter((r) => r.unit_id === unitId);
  // only a care role at the unit opens its cases; an administrator without one reviews the figures and reasons
  return { admin: here.some((r) => r.role === "admin"), readsCases: here.some((r) => r.role !== "admin"),
    unitName: units.get(unitId)?.name || unitId };
}

function showError(error, fields, result) {
  const target = fields[error?.field];
  if (target) target.showError({ text: errorMessage(error, "span") });
  result.replaceChildren(errorMessage(error));
}

export async function statisticsView(ctx, unitId) {
  ctx.setTitle("stats.title");
  ctx.main.append(h("h1", { tabindex: "-1", t: "stats.title" }));
  const { admin, unitName } = await adminOf(ctx, unitId);
  if (!admin) {
    ctx.main.append(h("p", { t: "stats.notAdmin" }));
    return undefined;
  }
  const base = `/staff/units/${encodeURIComponent(unitId)}/statistics`;
  const result = h("div", { class: "stats-result" });
  let cleanups = [];
  const status = h("p", { class: "visually-hidden", role: "status" });

  const download = h("button", { type: "button", class: "button-secondary", t: "stats.download",
    "aria-describedby": "stats-download-hint" });
  const period = periodForm((query, fields) => load(query, fields));

  download.addEventListener("click", async () => {
    const response = await fetch(`${ctx.config.apiBase.replace(/\/$/, "")}${base}.csv?${period.query()}`, {
      headers: { Authorization: `Bearer ${ctx.session.token}` },
    });
    if (!response.ok) {
      result.prepend(h("p", { class: "error", role: "alert", t: "error.generic" }));
      return;
    }
    const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "")?.[1] || "statistik.csv";
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });

  async function load(query, fields = period.fields) {
    cleanups.forEach((off) => off());
    cleanups = [];
    let body;
    try {
      body = await ctx.api.get(`${base}?${query}`);
    } catch (error) {
      showError(error, fields, result);
      return;
    }
    render(body);
  }

  function chart(options) {
    const made = barChart(options);
    cleanups.push(made.destroy);
    return made.el;
  }

  function render(body) {
    const f = body.totals;
    const closed = Object.values(f.closed).reduce((a, b) => a + b, 0);
    const overrides = f.overrides_up + f.overrides_down + f.overrides_profession;
    const figure = (key, value, detail) => h("div", { class: "figure" },
      h("dt", { t: key }), h("dd", {}, h("span", { class: "figure-value" }, value), detail ? [" ", detail] : null));
    const figures = h("section", { class: "card", "aria-labelledby": "stats-figures" },
      h("h2", { id: "stats-figures", t: "stats.figures" }),
      h("dl", { class: "figures" },
        figure("stats.cases", String(f.cases)),
        figure("stats.withinDeadline", share(f.share_within_deadline),
          h("span", { class: "figure-detail", t: "stats.shareOf", vars: { part: f.within_deadline, whole: f.contacted } })),
        figure("stats.averageWait", h("span", { t: "stats.minutes", vars: { minutes: f.average_wait_minutes } })),
        figure("stats.contactAnyway", share(f.share_contact_anyway),
          h("span", { class: "figure-detail", t: "stats.shareOf", vars: { part: f.contact_anyway, whole: f.self_care_advised } })),
        figure("stats.closed", String(closed)),
        figure("stats.overrides", String(overrides))));
    status.textContent = "";
    if (!f.cases && !f.contacted && !closed) {
      result.replaceChildren(figures, h("p", { t: "stats.none" }));
      status.textContent = t("stats.none");
      return;
    }
    const days = body.by_day;
    const priorities = [...body.by_priority].filter((g) => g.figures.contacted)
      .sort((a, b) => PRIORITY_ORDER.indexOf(a.code) - PRIORITY_ORDER.indexOf(b.code));
    const outcomes = Object.entries(f.closed);
    result.replaceChildren(
      figures,
      h("div", { class: "charts" },
        chart({
          titleKey: "stats.chart.perDay",
          columns: true,
          bars: days.map((d) => ({ label: () => dayLabel(d.code), value: d.figures.cases,
            shown: () => String(d.figures.cases) })),
          table: dataTable("stats.chart.perDay", ["stats.col.day", "stats.col.cases", "stats.col.contacted",
            "stats.col.within"], days.map((d) => [d.code, d.figures.cases, d.figures.contacted,
            d.figures.within_deadline])),
        }),
        chart({
          titleKey: "stats.chart.deadline",
          max: 1,
          bars: priorities.map((g) => ({ label: () => priorityLabel(g.code), value: g.figures.share_within_deadline || 0,
            shown: () => t("stats.share", { share: g.figures.share_within_deadline }) })),
          table: dataTable("stats.chart.deadline", ["stats.col.priority", "stats.col.contacted", "stats.col.within",
            "stats.col.share"], priorities.map((g) => [priorityBadge(g.code === "none" ? "–" : g.code),
            g.figures.contacted, g.figures.within_deadline, share(g.figures.share_within_deadline)])),
        }),
        chart({
          titleKey: "stats.chart.disposition",
          bars: body.by_disposition.map((g) => ({ label: () => t(`vardniva.${g.code}`, { fallback: g.code }),
            value: g.figures.cases, shown: () => String(g.figures.cases) })),
          table: dataTable("stats.chart.disposition", ["stats.col.disposition", "stats.col.cases"],
            body.by_disposition.map((g) => [codeLabel("vardniva", g.code), g.figures.cases])),
        }),
        chart({
          titleKey: "stats.chart.complaint",
          bars: body.by_complaint.map((g) => ({ label: () => g.code, value: g.figures.cases,
            shown: () => String(g.figures.cases) })),
          table: dataTable("stats.chart.complaint", ["stats.col.complaint", "stats.col.cases"],
            body.by_complaint.map((g) => [g.code, g.figures.cases])),
        }),
        chart({
          titleKey: "stats.chart.closed",
          bars: outcomes.map(([code, n]) => ({ label: () => t(`closeOutcome.${code}`), value: n, shown: () => String(n) })),
          table: dataTable("stats.chart.closed", ["stats.col.outcome", "stats.col.count"],
            outcomes.map(([code, n]) => [codeLabel("closeOutcome", code), n])),
        })));
  }

  ctx.main.append(
    h("p", { class: "lead" }, unitName),
    h("p", { t: "stats.lead" }),
    h("div", { class: "stats-tools" }, period.form,
      h("div", { class: "card stats-download" }, download, h("p", { id: "stats-download-hint", class: "hint",
        t: "stats.downloadHint" }))),
    status,
    result);
  await load(period.query());
  return () => cleanups.forEach((off) => off());
}

export async function triageQualityView(ctx, unitId) {
  ctx.setTitle("quality.title");
  ctx.main.append(h("h1", { tabindex: "-1", t: "quality.title" }));
  const { admin, readsCases, unitName } = await adminOf(ctx, unitId);
  if (!admin) {
    ctx.main.append(h("p", { t: "quality.notAdmin" }));
    return undefined;
  }
  const base = `/staff/units/${encodeURIComponent(unitId)}/triage-quality`;
  const result = h("div", { class: "stats-result" });
  let cleanups = [];
  const period = periodForm((query, fields) => load(query, fields));

  async function load(query, fields = period.fields) {
    cleanups.forEach((off) => off());
    cleanups = [];
    try {
      render(await ctx.api.get(`${base}?${query}`));
    } catch (error) {
      showError(error, fields, result);
    }
  }

  function versions(protocol, mixes) {
    const priorities = PRIORITY_ORDER.filter((p) => mixes.some((m) => m.priorities[p]));
    const dispositions = [...new Set(mixes.flatMap((m) => Object.keys(m.dispositions)))].sort();
    const pct = (n, m) => share(m.cases ? n / m.cases : null);
    const rows = [
      [h("span", { t: "quality.cases" }), ...mixes.map((m) => m.cases)],
      ...priorities.map((p) => [h("span", { t: "quality.priorityRow", vars: { label: p === "none" ? "–" : p } }),
        ...mixes.map((m) => pct(m.priorities[p] || 0, m))]),
      ...dispositions.map((d) => [h("span", { t: "quality.dispositionRow", vars: { label: t(`vardniva.${d}`, { fallback: d }) } }),
        ...mixes.map((m) => pct(m.dispositions[d] || 0, m))]),
      [h("span", { t: "quality.up" }), ...mixes.map((m) => m.overrides_up)],
      [h("span", { t: "quality.down" }), ...mixes.map((m) => m.overrides_down)],
      [h("span", { t: "quality.profession" }), ...mixes.map((m) => m.overrides_profession)],
      [h("span", { t: "quality.shareOverridden" }), ...mixes.map((m) => share(m.share_overridden))],
    ];
    const captionId = uniqueId("protocol");
    return h("div", { class: "table-wrap" }, h("table", { class: "stats-table versions" },
      h("caption", { id: captionId, t: "quality.protocol", vars: { code: protocol } }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", t: "quality.col.measure" }),
        mixes.map((m) => h("th", { scope: "col" }, h("code", {}, m.ruleset))))),
      h("tbody", {}, rows.map(([label, ...cells]) => h("tr", {}, h("th", { scope: "row" }, label),
        cells.map((c) => h("td", {}, c)))))));
  }

  function render(body) {
    const byProtocol = new Map();
    for (const mix of body.rulesets) {
      if (!byProtocol.has(mix.complaint)) byProtocol.set(mix.complaint, []);
      byProtocol.get(mix.complaint).push(mix);
    }
    const overridden = body.rulesets.filter((m) => m.overrides_up + m.overrides_down + m.overrides_profession);
    const made = barChart({
      titleKey: "quality.chart",
      valueWidth: 150,
      bars: overridden.map((m) => ({ label: () => m.ruleset.split(";")[0],
        value: m.overrides_up + m.overrides_down + m.overrides_profession,
        shown: () => `↑ ${m.overrides_up}  ↓ ${m.overrides_down}  ⇄ ${m.overrides_profession}` })),
      table: dataTable("quality.chart", ["quality.col.ruleset", "quality.up", "quality.down", "quality.profession"],
        overridden.map((m) => [m.ruleset, m.overrides_up, m.overrides_down, m.overrides_profession])),
    });
    cleanups.push(made.destroy);
    const reviewId = uniqueId("review");
    const review = body.overrides.length
      ? h("div", { class: "table-wrap" }, h("table", { class: "stats-table overrides" },
        h("caption", { t: "quality.review" }),
        h("thead", {}, h("tr", {}, ["at", "case", "complaint", "ruleset", "change", "who", "reason"]
          .map((c) => h("th", { scope: "col", t: `quality.col.${c}` })))),
        h("tbody", {}, body.overrides.map((o) => h("tr", {},
          h("td", {}, timeEl(o.at)),
          h("td", {}, readsCases ? h("a", { href: `#/arenden/${encodeURIComponent(o.case_id)}` }, o.case_id.slice(0, 8))
            : h("code", {}, o.case_id.slice(0, 8))),
          h("td", {}, o.complaint),
          h("td", {}, h("code", {}, o.ruleset)),
          h("td", {}, priorityBadge(o.from_priority), " → ", priorityBadge(o.to_priority), " ",
            h("span", { class: "marker marker-override", t: `quality.dir.${o.direction}` }),
            o.from_profession !== o.to_profession ? [" ", codeLabel("profession", o.to_profession)] : null),
          h("td", {}, `${o.by_name} (${o.by})`),
          h("td", { class: "reason" }, o.reason))))))
      : h("p", { t: "quality.reviewNone" });
    result.replaceChildren(
      h("section", { "aria-labelledby": "quality-versions" },
        h("h2", { id: "quality-versions", t: "quality.rulesets" }),
        byProtocol.size ? [...byProtocol].map(([protocol, mixes]) => versions(protocol, mixes))
          : h("p", { t: "stats.none" })),
      overridden.length ? made.el : null,
      h("section", { "aria-labelledby": reviewId },
        h("h2", { id: reviewId, t: "quality.review" }),
        h("p", { t: "quality.reviewLead" }),
        review));
  }

  ctx.main.append(h("p", { class: "lead" }, unitName), h("p", { t: "quality.lead" }), period.form, result);
  await load(period.query());
  return () => cleanups.forEach((off) => off());
}
