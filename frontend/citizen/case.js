// Mina ärenden and one case. An open case (queued or claimed) has its waiting room and the chat; a closed one shows
// its messages read-only; a case sent on (112, akutmottagning, 1177) or given self-care advice shows its outcome
// page instead of a chat (self-care keeps "Jag vill ändå ha kontakt"). When staff ask for a photo in the chat, the
// chat offers "Skicka bild" (photos.js uploads it to the case); the case's pictures follow. Times offered in the chat
// are booked in the booking panel (booking.js): the chat's "Välj tid" moves focus there.

import { mountChat } from "/shared/chat.js";
import { mountBooking } from "./booking.js";
import { mountCitizenVideo } from "/shared/video.js";
import { add, codeLabel, h, priorityBadge, timeEl, uniqueId } from "/shared/dom.js";
import { outcomePanel } from "./outcome.js";
import { sendCasePhoto } from "./photos.js";
import { flash } from "./util.js";
import { waitingRoom } from "./waiting.js";

const OPEN = new Set(["queued", "claimed"]);

/** What a case's status means to the citizen: where it was sent, for cases that were sent on. */
function statusLabel(c) {
  if (c.status === "redirected" || c.status === "self_care") {
    return codeLabel("disposition", c.disposition || c.status);
  }
  return codeLabel("citizenStatus", c.status);
}

export async function casesView(ctx) {
  ctx.setTitle("cases.title");
  ctx.main.append(h("h1", { tabindex: "-1", t: "cases.title" }));
  const [body, units] = await Promise.all([ctx.api.get("/citizen/cases"), ctx.units()]);
  const cases = [...body.cases].sort((a, b) => String(b.submitted_at).localeCompare(String(a.submitted_at)));
  if (!cases.length) {
    ctx.main.append(h("p", { t: "cases.empty" }),
      h("p", {}, h("a", { class: "button", href: "#/ny-kontakt", t: "nav.newCase" })));
    return;
  }
  const group = (key, items, hintKey) => {
    if (!items.length) return null;
    const id = uniqueId("cases");
    return h("section", { "aria-labelledby": id },
      h("h2", { id, t: key }),
      hintKey ? h("p", { class: "hint", t: hintKey }) : null,
      h("ul", { class: "case-list" }, items.map((c) => h("li", { class: "card case-item", dataset: { status: c.status } },
        h("h3", {}, h("a", { href: `#/arenden/${encodeURIComponent(c.case_id)}` }, c.reason)),
        h("p", { class: "case-meta" },
          h("span", {}, units.get(c.unit_id)?.name || c.unit_id), " · ",
          h("span", { t: "cases.sentAt", vars: { at: c.submitted_at } }),
          c.patient_name ? [" · ", h("span", { t: "cases.forChild", vars: { name: c.patient_name } })] : null),
        h("p", { class: "status" }, statusLabel(c))))));
  };
  add(ctx.main,
    group("cases.open", cases.filter((c) => OPEN.has(c.status))),
    group("cases.closed", cases.filter((c) => !OPEN.has(c.status)), "cases.closedHint"));
}

export async function caseView(ctx, caseId) {
  const [theCase, units] = await Promise.all([
    ctx.api.get(`/citizen/cases/${encodeURIComponent(caseId)}`), ctx.units(),
  ]);
  ctx.setTitle("case.kicker"); // the reason is health data: keep it out of the tab title and history
  const notice = flash.take(caseId);
  const unitName = units.get(theCase.unit_id)?.name || theCase.unit_id;
  const cleanups = [];

  if (theCase.status === "redirected" || theCase.status === "self_care") {
    const panel = outcomePanel(ctx, { disposition: theCase.disposition || theCase.status, result: theCase.triage,
      caseId });
    add(ctx.main, panel.el, details(theCase, unitName, "h2"), timeline(theCase), photos(ctx, theCase),
      h("p", { class: "back" }, h("a", { href: "#/arenden", t: "case.back" })));
    panel.revealed();
    return panel.destroy;
  }

  const open = OPEN.has(theCase.status);
  add(ctx.main,
    h("p", { class: "back" }, h("a", { href: "#/arenden", t: "case.back" })),
    h("p", { class: "kicker", t: "case.kicker" }),
    h("h1", { tabindex: "-1" }, theCase.reason),
    notice ? h("p", { class: "notice notice-success", role: "status", t: notice }) : null);
  let waiting = null;
  const waitingSlot = h("div");
  let pictures = photos(ctx, theCase);
  const redrawPictures = () => {
    const fresh = photos(ctx, { case_id: caseId });
    pictures.replaceWith(fresh);
    pictures = fresh;
  };
  const video = open ? mountCitizenVideo(ctx, caseId) : null; // the join prompt while staff hold a video meeting
  if (video) cleanups.push(video.destroy);
  let chat = null;
  // hidden unless there is a time to book or one is booked; a booking made here changes the chat's offered times
  const booking = mountBooking(ctx, theCase, { onChange: () => chat?.refreshOffers() });
  cleanups.push(booking.destroy);
  add(ctx.main, video?.el, waitingSlot, booking.el, details(theCase, unitName, "h2"), timeline(theCase), pictures);
  chat = mountChat(ctx.main, { ctx, caseId, emptyKey: "chat.emptyCitizen", readOnly: !open,
    chooseTime: () => booking.focusTimes(), // "Välj tid" under offered times: booking happens in the panel
    onEvent: (m) => {
      waiting?.refresh();
      if (m.kind === "photo") redrawPictures(); // a picture sent in the chat (here or in another tab)
      if (m.kind === "booking_offer" || m.sender_kind === "staff") { // times offered, a cancellation
        booking.refresh();
        if (m.kind !== "booking_offer") chat?.refreshOffers(); // (the chat looks up a new offer's times itself)
      }
    },
    sendPhoto: open ? (file) => sendCasePhoto(ctx, caseId, file).then((photo) => {
      redrawPictures();
      return photo;
    }) : null });
  cleanups.push(() => chat.destroy());
  if (open) {
    waiting = waitingRoom(ctx, theCase, unitName, { after: chat.loaded });
    waitingSlot.replaceWith(waiting.el);
    cleanups.push(waiting.destroy);
  }
  // Live: staff claiming, releasing or handing over the case refresh the waiting room and the status; a closed
  // case is shown again as closed (the chat read-only).
  const realtime = ctx.realtime();
  if (realtime && open) {
    let status = theCase.status;
    cleanups.push(realtime.on("case", (push) => {
      const c = push.case;
      if (!c || c.case_id !== caseId || c.status === status) return;
      status = c.status;
      if (OPEN.has(c.status)) {
        for (const el of ctx.main.querySelectorAll(".case-status")) el.replaceChildren(statusLabel(c));
        waiting?.refresh();
      } else {
        if (c.status === "closed") flash.set(caseId, "case.closedNow");
        ctx.render();
      }
    }));
  }
  return () => cleanups.forEach((fn) => fn());
}

function details(c, unitName, level) {
  const id = uniqueId("case-details");
  const row = (key, value, cls) => [h("dt", { t: key }), h("dd", { class: cls }, value)];
  return h("section", { class: "card", "aria-labelledby": id },
    h(level, { id, t: "case.details" }),
    h("dl", { class: "details" },
      row("case.reason", c.reason),
      c.patient_name ? row("case.patient", c.patient_name) : null,
      row("case.unit", unitName),
      row("case.status", statusLabel(c), "case-status"),
      c.priority ? row("case.priority", priorityBadge(c.priority)) : null,
      row("case.submitted", timeEl(c.submitted_at)),
      h("dt", { t: "case.freeText" }),
      c.free_text ? h("dd", { class: "free-text" }, c.free_text) : h("dd", { t: "case.noFreeText" }),
      c.expectations ? row("case.expectations", c.expectations, "free-text") : null));
}

function timeline(c) {
  if (!c.timeline?.length) return null;
  const id = uniqueId("case-timeline");
  return h("section", { class: "card", "aria-labelledby": id },
    h("h2", { id, t: "case.timeline" }),
    h("ol", { class: "timeline" }, c.timeline.map((event) => h("li", {},
      timeEl(event.occurred_at), " ", h("span", { t: `event.${event.type}`, vars: { fallback: event.type } })))));
}

/** The case's pictures as thumbnails linking to full size (fetched when the case does not list them). */
function photos(ctx, c) {
  const id = uniqueId("case-photos");
  const section = h("section", { class: "card", "aria-labelledby": id, hidden: true });
  const draw = (list) => {
    if (!list?.length) return;
    section.hidden = false;
    section.append(h("h2", { id, t: "case.photos" }),
      h("ul", { class: "photo-list" }, list.map((photo, i) => h("li", { class: "photo" },
        h("a", { href: photo.url },
          h("img", { src: photo.thumbnail_url, width: "120", attrs: { alt: ["photos.open", { n: i + 1 }] } }))))));
  };
  if (c.photos) draw(c.photos);
  else ctx.api.get(`/citizen/cases/${encodeURIComponent(c.case_id)}/photos`).then((b) => draw(b.photos), () => {});
  return section;
}
