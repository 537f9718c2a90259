// The waiting room of a queued case: what happens next, the place in the queue and the estimated time to first
// contact (GET /citizen/cases/{id}/waiting, every 30 s and whenever something happens to the case: a chat message
// or a "case" push when staff claim or release it, see case.js), and how the
// citizen will hear that there is a reply.

import { clear, h, uniqueId } from "/shared/dom.js";
import { bind } from "/shared/i18n.js";

const REFRESH_MS = 30_000;

/** after: a promise to wait for before the first look-up (the chat's history loads first). */
export function waitingRoom(ctx, theCase, unitName, { after = Promise.resolve() } = {}) {
  const titleId = uniqueId("waiting");
  const title = h("h2", { id: titleId, t: theCase.status === "claimed" ? "waiting.claimedTitle" : "waiting.title" });
  const position = h("div", { class: "queue-position", role: "status" });
  const visit = ["chat", "video", "physical"].includes(theCase.disposition) ? theCase.disposition : "chat";
  const el = h("section", { class: "card waiting", "aria-labelledby": titleId },
    title,
    position,
    h("h3", { t: "waiting.nextTitle" }),
    h("ol", { class: "next-steps" },
      h("li", { t: "waiting.next1", vars: { unit: unitName } }),
      h("li", { t: `waiting.next2.${visit}` }),
      h("li", notifyText(theCase))));
  let shown = "";

  function draw(w) {
    if (w.status && w.status !== "queued") {
      bind(title, w.status === "claimed" ? "waiting.claimedTitle" : "waiting.title");
      return paint([h("p", { t: "waiting.claimed" })], "claimed");
    }
    bind(title, "waiting.title"); // queued (again, after staff put the case back)
    const lines = [];
    if (w.position) lines.push(h("p", { class: "position", t: "waiting.position", vars: { position: w.position } }));
    if (w.ahead !== null && w.ahead !== undefined) lines.push(h("p", { t: "waiting.ahead", vars: { n: w.ahead } }));
    if (w.estimated_minutes !== null && w.estimated_minutes !== undefined) {
      lines.push(h("p", { t: "waiting.estimate", vars: { minutes: w.estimated_minutes } }));
      if (w.basis) lines.push(h("p", { class: "hint", t: `waiting.basis.${w.basis}` }));
    }
    if (!lines.length) lines.push(h("p", { t: "waiting.noPosition" }));
    return paint(lines, JSON.stringify([w.position, w.ahead, w.estimated_minutes, w.basis]));
  }

  // Only a change is written (and so announced); the same figures every 30 s stay quiet.
  function paint(lines, signature) {
    if (signature === shown) return;
    shown = signature;
    clear(position, lines);
  }

  let inFlight = null;
  function refresh() {
    inFlight ||= ctx.api.get(`/citizen/cases/${encodeURIComponent(theCase.case_id)}/waiting`)
      .then(draw, () => { if (!shown) paint([h("p", { t: "waiting.noPosition" })], "none"); })
      .finally(() => { inFlight = null; });
    return inFlight;
  }

  after.finally(() => refresh());
  const timer = setInterval(refresh, REFRESH_MS);
  const realtime = ctx.realtime();
  const off = realtime ? realtime.on("open", refresh) : () => {};
  return {
    el,
    refresh,
    destroy() {
      clearInterval(timer);
      off();
    },
  };
}

function notifyText(c) {
  const sms = c.notify_sms;
  const email = c.notify_email;
  if (sms && email) return { t: "waiting.notifyBoth", vars: { sms, email } };
  if (sms) return { t: "waiting.notifySms", vars: { sms } };
  if (email) return { t: "waiting.notifyEmail", vars: { email } };
  if ("notify_sms" in c || "notify_email" in c) return { t: "waiting.notifyNone" };
  return { t: "waiting.notifyUnknown" };
}
