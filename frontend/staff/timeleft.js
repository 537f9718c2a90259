// Time left to a case's deadline ("12 min kvar", "Försenat 12 min"), as the server counted it when it answered
// (seconds_left, negative when overdue). The element counts down by itself: every 30 s all of them on the page are
// redrawn from the moment they were made, without asking the server again. Overdue is marked with an icon and the
// word "Försenat", never with colour alone.

import { clear, h } from "/shared/dom.js";

const TICK_MS = 30_000;
let ticker = null;

/** A span that shows the time left; `secondsLeft` null or missing → "Ingen tidsgräns". */
export function timeLeft(secondsLeft) {
  const el = h("span", { class: "time-left" });
  const seconds = Number(secondsLeft);
  if (secondsLeft === null || secondsLeft === undefined || !Number.isFinite(seconds)) {
    el.classList.add("time-left-none");
    el.append(h("span", { t: "timeLeft.none" }));
    return el;
  }
  el.dataset.due = String(Date.now() + seconds * 1000);
  draw(el);
  ticker ||= setInterval(tick, TICK_MS);
  return el;
}

function draw(el) {
  const seconds = Math.round((Number(el.dataset.due) - Date.now()) / 1000);
  const overdue = seconds < 0;
  el.classList.toggle("overdue", overdue);
  el.dataset.state = overdue ? "overdue" : "left";
  clear(el,
    icon(overdue ? "warning" : "clock"),
    h("span", { class: "time-text", t: overdue ? "timeLeft.overdue" : "timeLeft.left",
      vars: { seconds: Math.abs(seconds) } }));
}

const SVG = "http://www.w3.org/2000/svg";
const SHAPES = {
  clock: [["circle", { cx: 8, cy: 8, r: 6.5, fill: "none", stroke: "currentColor", "stroke-width": 1.6 }],
    ["path", { d: "M8 4.2V8l2.6 1.7", fill: "none", stroke: "currentColor", "stroke-width": 1.6,
      "stroke-linecap": "round" }]],
  warning: [["path", { d: "M8 1.3 15.2 14.5H0.8Z", fill: "currentColor" }],
    ["path", { d: "M8 6v4.2M8 12.1v.3", stroke: "#fff", "stroke-width": 1.7, "stroke-linecap": "round" }]],
};

/** A small drawn icon (not a font glyph, which may be missing); decorative, the text says it all. */
function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("class", `time-icon icon-${name}`);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const [tag, attrs] of SHAPES[name]) {
    const shape = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) shape.setAttribute(k, String(v));
    svg.append(shape);
  }
  return svg;
}

function tick() {
  document.querySelectorAll(".time-left[data-due]").forEach(draw);
}
