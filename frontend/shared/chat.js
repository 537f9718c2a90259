// The chat of one case, used by both frontends: history, live messages, read receipts, and a send box.
// Messages are kept by sequence number. Pushes may be lost or arrive twice, so the chat dedupes by seq and
// resyncs (GET messages?after=<last contiguous seq>) on load, after every reconnect, on a gap, and when the
// tab becomes visible again. Each sent message has a client id, reused on retry, so it is never stored twice.
//
// Read receipts: each side (the citizen's; the care unit's staff together) has a read mark, the highest seq it has
// read. This chat sends its side's mark (debounced) only while the messages are really seen: the tab is visible,
// the pane is shown (`visible`, see setVisible), the log is on screen and scrolled near the bottom. It shows
// "Läst" under the last own message the other side has read (live from "read" pushes and after every resync), and
// reports how many of the other side's messages are unread (onUnread).
// Every text from people is set as text (textContent), never as HTML.
//
// Offered times (kind booking_offer, slot_ids): shown on both sides as their day, time and form in words. The words
// come from the message's `slots` when the server sends them, else from the times this page already knows (staff:
// those just offered from "Erbjud tider"), else from existing routes — the citizen's offered-slots and booking, or
// staff's free times for the case. A known time that is no longer free is marked so (the citizen's own booking as
// hers); one this page never saw is only counted. The citizen's chat adds "Välj tid", which moves focus to the
// booking panel (option chooseTime).

import { newId } from "./api.js";
import { addStrings, bind, parseTime } from "./i18n.js";
import { clear, errorMessage, h, timeEl, uniqueId } from "./dom.js";

const NEAR_BOTTOM_PX = 80;
const MESSAGE_MAX = 4000;
const COUNT_FROM = 500; // characters left at which the counter is announced to screen readers
const MARK_DELAY_MS = 400;
const PHOTO_URL_FRESH_MS = 4 * 60 * 1000; // the server's photo URLs work for five minutes
// The server's default text of a photo request (kind photo_request); shown translated by the frontend.
const PHOTO_REQUEST_SV = "Kan du skicka en bild? Använd knappen Skicka bild nedan.";
const SIDES = ["citizen", "staff"];
// The server's text of a booking_offer message (chalicelib/services/chat.py); shown translated by the frontend.
const BOOKING_OFFER_SV = "Här är några tider som passar. Välj den tid du vill boka.";
const OFFER_FORMS = ["physical", "video", "phone"];
const STAFF_SLOTS_LISTED = 200; // GET /staff/cases/{id}/slots lists at most this many free times
const FORM_WORDS = {
  sv: { physical: "besök på mottagningen", video: "videomöte", phone: "telefonsamtal" },
  en: { physical: "visit at the unit", video: "video meeting", phone: "phone call" },
};

/** An offered time in words: "torsdag 27 november kl. 09:00–09:20, videomöte med Anna Lind". */
function offeredTimeWords(lang, v) {
  const locale = lang === "en" ? "en-GB" : "sv-SE";
  const start = parseTime(v.start);
  const day = new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long" }).format(start);
  const time = (iso) => new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" }).format(parseTime(iso));
  const span = v.end ? `${time(v.start)}–${time(v.end)}` : time(v.start);
  const form = FORM_WORDS[lang][v.form] || v.form || "";
  const who = v.staff ? (lang === "en" ? ` with ${v.staff}` : ` med ${v.staff}`) : "";
  return lang === "en" ? `${day}, ${span}, ${form}${who}` : `${day} kl. ${span}, ${form}${who}`;
}

addStrings({
  sv: {
    "chat.read": "Läst",
    "chat.readAt": (v, f) => `Läst ${f.time(v.at)}`,
    "chat.charsLeft": (v) => `${v.n} tecken kvar`,
    "chat.charsOver": (v) => `${v.n} tecken för mycket`,
    "chat.errTooLong": `Meddelandet får vara högst ${MESSAGE_MAX} tecken. Korta det eller dela upp det.`,
    "chat.photoRequest": PHOTO_REQUEST_SV,
    "chat.askPhoto": "Be om bild",
    "chat.sendPhoto": "Skicka bild",
    "chat.sendPhotoHint": "JPEG, PNG eller HEIC, högst 10 MB. Bara vårdpersonalen i ditt ärende ser bilden.",
    "chat.photoSending": "Skickar bilden {name} …",
    "chat.photoSent": "Bilden är skickad.",
    "chat.photoAlt": "Bild från {name}. Öppna i full storlek.",
    "chat.photoAltOwn": "Bild som du skickade. Öppna i full storlek.",
    "chat.photoLoading": "Hämtar bilden …",
    "chat.photoUnavailable": "Bilden kan inte visas just nu.",
    "chat.offerText": BOOKING_OFFER_SV,
    "chat.offerTime": (v) => offeredTimeWords("sv", v),
    "chat.offerBooked": "din bokade tid",
    "chat.offerTaken": "inte längre ledig",
    "chat.offerGone": (v) => (v.n === 1 ? "1 tid är inte längre ledig." : `${v.n} tider är inte längre lediga.`),
    "chat.offerLoading": "Hämtar tiderna …",
    "chat.offerUnavailable": "Tiderna kan inte visas just nu.",
    "chat.offerChoose": "Välj tid",
  },
  en: {
    "chat.read": "Read",
    "chat.readAt": (v, f) => `Read ${f.time(v.at)}`,
    "chat.charsLeft": (v) => `${v.n} characters left`,
    "chat.charsOver": (v) => `${v.n} characters too many`,
    "chat.errTooLong": `A message can be at most ${MESSAGE_MAX} characters. Shorten it or split it up.`,
    "chat.photoRequest": "Could you send a photo? Use the Send photo button below.",
    "chat.askPhoto": "Ask for a photo",
    "chat.sendPhoto": "Send photo",
    "chat.sendPhotoHint": "JPEG, PNG or HEIC, at most 10 MB. Only the staff handling your case see the photo.",
    "chat.photoSending": "Sending the photo {name} …",
    "chat.photoSent": "The photo has been sent.",
    "chat.photoAlt": "Photo from {name}. Open in full size.",
    "chat.photoAltOwn": "Photo you sent. Open in full size.",
    "chat.photoLoading": "Fetching the photo …",
    "chat.photoUnavailable": "The photo cannot be shown right now.",
    "chat.offerText": "Here are some times that suit. Choose the time you want to book.",
    "chat.offerTime": (v) => offeredTimeWords("en", v),
    "chat.offerBooked": "your booked time",
    "chat.offerTaken": "no longer free",
    "chat.offerGone": (v) => (v.n === 1 ? "1 time is no longer free." : `${v.n} times are no longer free.`),
    "chat.offerLoading": "Fetching the times …",
    "chat.offerUnavailable": "The times cannot be shown right now.",
    "chat.offerChoose": "Choose a time",
  },
});

/**
 * Mounts the chat of one case in `container`.
 * - readOnly: a closed case shows its messages but offers no input. onEvent(m) hears this case's pushes.
 * - visible: whether this pane is shown now (a screen may keep many chats mounted and show one); while it is not,
 *   no read marks are sent. Change it with setVisible().
 * - onUnread(n): called whenever the number of the other side's messages after this side's read mark changes.
 * - header: null for the default heading ("Chatt"), a string for a heading of that text, or an element to use as
 *   the heading (it labels the chat).
 * - sendPhoto(file): (citizen) offered as "Skicka bild" once staff have asked for a photo; resolves when the photo
 *   is added, rejects with an ApiError or {key, vars} (a dictionary key) to show.
 * - chooseTime(): (citizen) the "Välj tid" button of offered times calls it (the case page focuses its booking panel).
 * Returns { loaded, destroy(), setVisible(bool), textarea, form, focus(), refreshOffers() } (textarea and form are
 * null when readOnly). Others may add a message they posted for this case (staff's offered times) by dispatching a
 * "chat:posted" CustomEvent with detail {message, slots} on any element inside the chat.
 */
export function mountChat(container, { ctx, caseId, emptyKey, readOnly = false, onEvent = null, visible = true,
  onUnread = null, header = null, sendPhoto = null, chooseTime = null }) {
  const path = `/cases/${encodeURIComponent(caseId)}/messages`;
  const ownSide = ctx.kind === "staff" ? "staff" : "citizen";
  const otherSide = ownSide === "staff" ? "citizen" : "staff";
  const messages = new Map(); // seq -> message
  const items = new Map(); // seq -> li
  const pending = new Map(); // client_id -> {text, state: "sending" | "failed", error, el}
  const reads = { citizen: 0, staff: 0 };
  const readAt = { citizen: null, staff: null };
  let contiguous = 0; // every seq up to this one is here
  let destroyed = false;
  let shown = visible;
  let onScreen = typeof IntersectionObserver === "undefined"; // without it: assume the log can be seen
  let markTimer = null;
  let marking = 0; // the mark sent last (its request may be in flight): counts as read here meanwhile
  let lastUnread = null;

  const ids = { heading: uniqueId("chat-heading"), text: uniqueId("chat-text"), hint: uniqueId("chat-hint"),
    count: uniqueId("chat-count"), photo: uniqueId("chat-photo"), photoHint: uniqueId("chat-photo-hint") };
  const live = h("span", { class: "live-status", hidden: true });
  const list = h("ol", { class: "chat-list" });
  const empty = h("p", { class: "chat-empty", t: emptyKey });
  const scroller = h("div", { class: "chat-log", role: "log", tabindex: "0", attrs: { "aria-label": "chat.log" } },
    empty, list);
  const heading = headingOf(header, ids.heading);

  let textarea = null;
  let form = null;
  let photoControl = null;
  let footer;
  if (readOnly) {
    footer = h("p", { class: "hint", t: "chat.readOnly" });
  } else {
    textarea = h("textarea", { id: ids.text, name: "text", rows: "3", maxlength: String(MESSAGE_MAX),
      "aria-describedby": `${ids.hint} ${ids.count}` });
    const count = h("p", { id: ids.count, class: "hint chat-count" });
    const countLive = h("span", { class: "visually-hidden", role: "status" });
    const formError = h("div", { class: "form-error" });
    const sendButton = h("button", { type: "submit", class: "button", t: "chat.send" });
    photoControl = sendPhoto ? photoUpload() : null;
    const askButton = ctx.kind === "staff" ? askForPhoto(formError) : null;
    form = h("form", { class: "chat-form", novalidate: true },
      h("label", { for: ids.text, t: "chat.label" }),
      textarea,
      h("p", { id: ids.hint, class: "hint", t: "chat.hint" }),
      count, countLive,
      formError,
      h("div", { class: "actions" }, sendButton, askButton),
      photoControl?.el);
    footer = form;
    wireForm({ count, countLive, formError });
  }
  const section = h("section", { class: "card chat", "aria-labelledby": heading.id },
    h("div", { class: "chat-head" }, heading, live),
    scroller, footer);
  container.append(section);

  const isOwn = (m) => m.sender_kind === ctx.kind && (ctx.kind === "citizen" || m.sender_name === ctx.session.name);

  // -- messages ---------------------------------------------------------------------------------------------

  function messageItem({ own, sender, sentAt, text, message }) {
    const meta = h("p", { class: "msg-meta" },
      own ? h("span", { class: "msg-sender", t: "chat.you" }) : h("span", { class: "msg-sender" }, sender));
    if (sentAt) meta.append(" · ", timeEl(sentAt, "fmt.time"));
    const item = h("li", { class: `msg ${own ? "msg-own" : "msg-other"}` }, meta);
    if (message?.kind === "photo" && message.photo_id) {
      item.classList.add("msg-photo");
      item.append(photoOf(message, own));
    } else if (message?.kind === "photo_request") {
      item.classList.add("msg-photo-request");
      // the default request in the reader's language; a nurse's own words as they wrote them
      item.append(text === PHOTO_REQUEST_SV ? h("p", { class: "msg-text", t: "chat.photoRequest" })
        : h("p", { class: "msg-text" }, text));
    } else if (message?.kind === "booking_offer") {
      item.classList.add("msg-booking-offer");
      item.append(text === BOOKING_OFFER_SV ? h("p", { class: "msg-text", t: "chat.offerText" })
        : h("p", { class: "msg-text" }, text), offerTimes(message));
    } else {
      item.append(h("p", { class: "msg-text" }, text));
    }
    return item;
  }

  // -- offered times -------------------------------------------------------------------------------------------

  const slotsById = new Map(); // slot_id -> slot (start, end, form, staff_name): what an offered time is, in words
  const slotState = new Map(); // slot_id -> "free" | "booked" (the citizen's own booking); absent: not free now
  const offerViews = new Map(); // seq -> {message, el}
  let offersLoaded = false;
  let offersLoading = false;
  let offersFailed = false;

  function offerTimes(message) {
    for (const slot of message.slots || []) remember(slot);
    const el = h("div", { class: "offer-times" });
    offerViews.set(message.seq, { message, el });
    drawOffer(message, el);
    if (!offersLoaded && !offersLoading) refreshOffers();
    return el;
  }

  function remember(slot) {
    if (!slot?.slot_id) return;
    slotsById.set(slot.slot_id, { ...slot, start: slot.start || slot.starts_at, end: slot.end || slot.ends_at });
  }

  function drawOffer(message, el) {
    const ids = message.slot_ids || [];
    const known = ids.map((id) => slotsById.get(id)).filter(Boolean)
      .sort((a, b) => String(a.start).localeCompare(String(b.start)));
    const unknown = ids.length - known.length; // not free any more, and never seen here: no words to show
    const list = known.length ? h("ul", { class: "offer-list" }, known.map((slot) => {
      const state = slotState.get(slot.slot_id) || "unknown";
      return h("li", { dataset: { slotId: slot.slot_id, state } },
        h("time", { datetime: slot.start, t: "chat.offerTime",
          vars: { start: slot.start, end: slot.end, form: slot.form, staff: slot.staff_name } }),
        state === "booked" ? [" – ", h("strong", { t: "chat.offerBooked" })] : null,
        state === "taken" ? [" – ", h("span", { t: "chat.offerTaken" })] : null);
    })) : null;
    const note = !unknown ? null
      : offersLoaded ? h("p", { class: "hint", t: "chat.offerGone", vars: { n: unknown } })
        : h("p", { class: "hint", t: offersFailed ? "chat.offerUnavailable" : "chat.offerLoading" });
    const choose = chooseTime && !readOnly && ctx.kind === "citizen"
      ? h("button", { type: "button", class: "button-secondary offer-choose", t: "chat.offerChoose",
        on: { click: () => chooseTime() } })
      : null;
    clear(el, list, note, choose);
  }

  function drawOffers() {
    for (const { message, el } of offerViews.values()) drawOffer(message, el);
  }

  /** What the offered times are now: the citizen's still-free offered times and booking; staff's free times. */
  async function loadOfferedSlots() {
    const id = encodeURIComponent(caseId);
    const state = new Map();
    if (ctx.kind === "citizen") {
      const [offered, overview] = await Promise.all([
        ctx.api.get(`/citizen/cases/${id}/offered-slots`), ctx.api.get(`/citizen/cases/${id}/booking`)]);
      for (const slot of offered.slots) state.set(slot.slot_id, "free");
      for (const slot of offered.slots) remember(slot);
      if (overview.booking?.state === "booked") {
        remember(overview.booking.slot);
        state.set(overview.booking.slot.slot_id, "booked");
      }
      for (const slotId of offeredIds()) if (!state.has(slotId)) state.set(slotId, "taken"); // all offered: listed
      return state;
    }
    // staff see a unit's free times up to a limit: a time not listed is taken only if the list reached past it
    const reach = {}; // form -> the last start the lists covered
    const add = (body, form = body.slots[0]?.form) => {
      body.slots.forEach((slot) => {
        remember(slot);
        state.set(slot.slot_id, "free");
      });
      const last = body.slots.length >= STAFF_SLOTS_LISTED ? body.slots.at(-1).start : "~"; // "~": all of them
      if (form && !(String(reach[form] || "") >= String(last))) reach[form] = last;
    };
    const missing = () => offeredIds().filter((slotId) => !state.has(slotId));
    add(await ctx.api.get(`/staff/cases/${id}/slots`)); // the case's own form first: usually all of them
    if (missing().length) {
      const lists = await Promise.all(OFFER_FORMS.map((form) => ctx.api.get(`/staff/cases/${id}/slots`,
        { query: { form } })));
      lists.forEach((body, i) => add(body, OFFER_FORMS[i]));
    }
    for (const slotId of missing()) {
      const slot = slotsById.get(slotId);
      if (slot && reach[slot.form] && String(slot.start) <= String(reach[slot.form])) state.set(slotId, "taken");
    }
    return state;
  }

  function offeredIds() {
    return [...offerViews.values()].flatMap(({ message }) => message.slot_ids || []);
  }

  // one load at a time; asked again meanwhile, one more follows (the first may have missed the newest offer)
  const loadOffers = coalesced(() => {
    offersLoading = true;
    return loadOfferedSlots()
      .then((state) => {
        if (destroyed) return;
        slotState.clear();
        for (const [slotId, value] of state) slotState.set(slotId, value);
        offersLoaded = true;
        offersFailed = false;
        drawOffers();
      })
      .catch(() => { // the times stay as known; the message itself is shown
        offersFailed = true;
        drawOffers();
      })
      .finally(() => { offersLoading = false; });
  });

  function refreshOffers() {
    return destroyed || !offerViews.size ? Promise.resolve() : loadOffers();
  }

  function photoOf(message, own) {
    const base = ctx.kind === "staff" ? "/staff" : "/citizen";
    const photoPath = `${base}/cases/${encodeURIComponent(caseId)}/photos/${encodeURIComponent(message.photo_id)}`;
    const holder = h("div", { class: "photo" }, h("p", { class: "hint", t: "chat.photoLoading" }));
    let fetchedAt = 0;
    let link = null;
    const load = () => ctx.api.get(photoPath).then((photo) => {
      if (destroyed) return;
      fetchedAt = Date.now();
      if (link) {
        link.href = photo.url;
        link.querySelector("img").src = photo.thumbnail_url;
        return;
      }
      const alt = own ? ["chat.photoAltOwn", {}] : ["chat.photoAlt", { name: message.sender_name }];
      const width = 160;
      const height = Math.round(width * ((photo.height || 1) / (photo.width || 1)));
      link = h("a", { href: photo.url, target: "_blank", rel: "noopener" },
        h("img", { src: photo.thumbnail_url, width: String(width), height: String(height), attrs: { alt } }));
      // the URLs expire after a few minutes: fetch fresh ones before the link is used
      const refresh = () => { if (Date.now() - fetchedAt > PHOTO_URL_FRESH_MS) load().catch(() => {}); };
      link.addEventListener("pointerenter", refresh);
      link.addEventListener("focus", refresh);
      clear(holder, link);
    });
    load().catch(() => { if (!link) clear(holder, h("p", { class: "hint", t: "chat.photoUnavailable" })); });
    return holder;
  }

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM_PX;
  }

  function afterChange(stick) {
    empty.hidden = messages.size + pending.size > 0;
    if (stick) scroller.scrollTop = scroller.scrollHeight;
  }

  function upsert(message) {
    if (messages.has(message.seq)) return;
    const stick = nearBottom();
    messages.set(message.seq, message);
    const mine = pending.get(message.client_id);
    if (mine) {
      mine.el.remove();
      pending.delete(message.client_id);
    }
    const item = messageItem({ own: isOwn(message), sender: message.sender_name, sentAt: message.sent_at,
      text: message.text, message });
    item.dataset.seq = String(message.seq);
    items.set(message.seq, item);
    const later = [...list.children].find((li) => !li.dataset.seq || Number(li.dataset.seq) > message.seq);
    list.insertBefore(item, later || null);
    while (messages.has(contiguous + 1)) contiguous += 1;
    afterChange(stick);
    if (message.kind === "photo_request") photoControl?.offer();
    if (message.kind === "booking_offer" && offersLoaded) refreshOffers(); // a new offer: what its times are
    if (message.seq > contiguous + 1) resync(); // a push overtook one we never got
    drawReceipt();
    changed();
  }

  const fetchNewer = coalesced(() => ctx.api.get(path, { query: contiguous ? { after: contiguous } : {} })
    .then((body) => {
      if (destroyed) return;
      body.messages.forEach(upsert);
      for (const side of SIDES) applyRead(side, body.read?.[side], body.read_at?.[side]);
      changed();
    }));

  function resync() {
    return destroyed ? Promise.resolve() : fetchNewer();
  }

  // -- read receipts and unread ------------------------------------------------------------------------------

  function applyRead(side, seq, at) {
    if (typeof seq !== "number" || seq < reads[side]) return;
    const moved = seq > reads[side] || (at && at !== readAt[side]);
    reads[side] = seq;
    if (at) readAt[side] = at;
    if (moved) {
      drawReceipt();
      changed();
    }
  }

  let receipt = null;
  function drawReceipt() {
    const mark = reads[otherSide];
    let target = null;
    for (const [seq, message] of messages) {
      if (seq <= mark && message.sender_kind === ownSide && (!target || seq > target)) target = seq;
    }
    const item = target ? items.get(target) : null;
    if (!item) {
      receipt?.remove();
      receipt = null;
      return;
    }
    const at = readAt[otherSide];
    const next = h("p", { class: "msg-receipt hint", t: at ? "chat.readAt" : "chat.read", vars: at ? { at } : {} });
    receipt?.remove();
    item.append(next);
    receipt = next;
  }

  function unreadCount() {
    let n = 0;
    const mark = Math.max(reads[ownSide], marking);
    for (const [seq, message] of messages) if (seq > mark && message.sender_kind === otherSide) n += 1;
    return n;
  }

  /** Something changed: report the unread count if it moved, and see whether a read mark is due. */
  function changed() {
    reportUnread();
    scheduleMark();
  }

  function reportUnread() {
    const n = unreadCount();
    if (n !== lastUnread) {
      lastUnread = n;
      try {
        onUnread?.(n);
      } catch (error) {
        console.error(error);
      }
    }
  }

  function seen() {
    return shown && !destroyed && document.visibilityState === "visible" && onScreen && section.isConnected
      && nearBottom();
  }

  function scheduleMark() {
    if (destroyed || markTimer || !seen()) return;
    markTimer = setTimeout(() => {
      markTimer = null;
      markRead();
    }, MARK_DELAY_MS);
  }

  function markRead() {
    if (!seen()) return;
    const upTo = contiguous;
    // only when there is something of the other side's to mark (one's own messages need no receipt)
    const mark = Math.max(reads[ownSide], marking);
    const due = [...messages.values()].some((m) => m.sender_kind === otherSide && m.seq > mark && m.seq <= upTo);
    if (!due) return;
    marking = upTo; // at once: the unread count drops while the request goes
    reportUnread();
    ctx.api.post(`/cases/${encodeURIComponent(caseId)}/read`, { seq: upTo }, { idempotent: true })
      .then((body) => {
        if (destroyed) return;
        for (const side of SIDES) applyRead(side, body.read?.[side], body.read_at?.[side]);
      })
      .catch(() => {
        if (marking === upTo) marking = 0; // not stored: counted unread again, and the next look tries again
        reportUnread();
      });
  }

  // -- sending -----------------------------------------------------------------------------------------------

  function renderPending(clientId) {
    const p = pending.get(clientId);
    const item = messageItem({ own: true, text: p.text });
    item.classList.add("msg-pending");
    const meta = item.querySelector(".msg-meta");
    if (p.state === "sending") {
      meta.append(" · ", h("span", { t: "chat.sending" }));
    } else {
      item.classList.add("msg-failed");
      meta.append(" · ", h("span", { t: "chat.notSent" }));
      item.append(errorMessage(p.error),
        h("button", { type: "button", class: "button-link", t: "chat.retry", on: { click: () => send(clientId) } }));
    }
    if (p.el) p.el.replaceWith(item);
    else list.append(item);
    p.el = item;
  }

  // Messages are sent one after the other, in the order they were written: two quick messages never swap places
  // (the server numbers them as they arrive). A failed one does not hold up the next.
  let sending = Promise.resolve();
  function send(clientId) {
    const p = pending.get(clientId);
    p.state = "sending";
    renderPending(clientId);
    afterChange(true);
    sending = sending.then(() => post(clientId));
    return sending;
  }

  async function post(clientId) {
    const p = pending.get(clientId);
    if (!p || destroyed) return;
    try {
      upsert(await ctx.api.post(path, { text: p.text, client_id: clientId }, { idempotent: true }));
    } catch (error) {
      if (!pending.has(clientId) || destroyed) return;
      p.state = "failed";
      p.error = error;
      renderPending(clientId);
    }
  }

  function wireForm({ count, countLive, formError }) {
    let announce = null;
    const showCount = () => {
      const left = MESSAGE_MAX - textarea.value.length;
      bind(count, left < 0 ? "chat.charsOver" : "chat.charsLeft", { n: Math.abs(left) });
      count.classList.toggle("error", left < 0);
      clearTimeout(announce);
      // screen readers hear the count only near the limit, and only once typing pauses
      const key = count.dataset.i18n;
      if (left <= COUNT_FROM) announce = setTimeout(() => bind(countLive, key, { n: Math.abs(left) }), 1000);
      else countLive.textContent = "";
    };
    showCount();
    textarea.addEventListener("input", showCount);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clear(formError);
      textarea.removeAttribute("aria-invalid");
      const text = textarea.value.trim();
      const problem = !text ? "chat.errEmpty" : text.length > MESSAGE_MAX ? "chat.errTooLong" : null;
      if (problem) {
        textarea.setAttribute("aria-invalid", "true");
        formError.append(h("p", { class: "error", role: "alert", t: problem }));
        textarea.focus();
        return;
      }
      const clientId = newId();
      pending.set(clientId, { text, state: "sending", el: null });
      textarea.value = "";
      showCount();
      send(clientId);
      textarea.focus();
    });
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }

  /** Staff: "Be om bild" posts a photo request (one client id until it is stored, so a retry never doubles it). */
  function askForPhoto(formError) {
    let clientId = null;
    const button = h("button", { type: "button", class: "button-secondary", t: "chat.askPhoto" });
    button.addEventListener("click", async () => {
      clear(formError);
      clientId ||= newId();
      button.disabled = true;
      try {
        const asked = await ctx.api.post(`/staff/cases/${encodeURIComponent(caseId)}/photo-request`,
          { client_id: clientId }, { idempotent: true });
        clientId = null;
        if (!destroyed) upsert(asked);
        afterChange(true);
      } catch (error) {
        formError.append(errorMessage(error));
      } finally {
        button.disabled = false;
      }
    });
    return button;
  }

  /** "Skicka bild": shown once staff have asked for a photo. */
  function photoUpload() {
    const input = h("input", { type: "file", id: ids.photo, "aria-describedby": ids.photoHint,
      accept: "image/jpeg,image/png,image/heic,image/heif,.jpg,.jpeg,.png,.heic,.heif" });
    const status = h("p", { class: "hint", role: "status" });
    const errors = h("div", { role: "alert" });
    const el = h("div", { class: "field chat-photo", hidden: true },
      h("label", { for: ids.photo, t: "chat.sendPhoto" }),
      h("p", { id: ids.photoHint, class: "hint", t: "chat.sendPhotoHint" }),
      input, status, errors);
    input.addEventListener("change", async () => {
      const [file] = input.files;
      input.value = "";
      clear(errors);
      if (!file) return;
      input.disabled = true;
      status.replaceChildren(h("span", { t: "chat.photoSending", vars: { name: file.name } }));
      try {
        await sendPhoto(file);
        status.replaceChildren(h("span", { t: "chat.photoSent" }));
        resync().catch(() => {});
      } catch (error) {
        clear(status);
        errors.append(error?.key ? h("p", { class: "error", t: error.key, vars: error.vars })
          : errorMessage(error));
      } finally {
        input.disabled = false;
      }
    });
    return { el, offer: () => { el.hidden = false; } };
  }

  // -- wiring ------------------------------------------------------------------------------------------------

  const unsubscribe = [];
  const realtime = ctx.realtime();
  if (realtime) {
    const showStatus = (status) => {
      live.hidden = status === "stopped";
      live.dataset.status = status;
      bind(live, `live.${status === "open" ? "open" : status === "connecting" ? "connecting" : "closed"}`);
    };
    showStatus(realtime.status);
    unsubscribe.push(
      realtime.on("status", showStatus),
      realtime.on("message", (m) => {
        if (m.case_id !== caseId) return;
        if (m.seq !== undefined) upsert(m);
        onEvent?.(m);
      }),
      realtime.on("read", (push) => {
        if (push.case_id !== caseId || !SIDES.includes(push.side)) return;
        applyRead(push.side, push.seq, push.read_at);
      }),
      realtime.on("open", () => resync().catch(() => {})),
    );
  }
  const onVisible = () => {
    if (document.visibilityState !== "visible") return;
    resync().catch(() => {});
    scheduleMark();
  };
  document.addEventListener("visibilitychange", onVisible);
  const onScroll = () => scheduleMark();
  scroller.addEventListener("scroll", onScroll, { passive: true });
  section.addEventListener("chat:posted", (event) => {
    for (const slot of event.detail?.slots || []) remember(slot);
    for (const slot of event.detail?.slots || []) slotState.set(slot.slot_id, "free");
    if (event.detail?.message) upsert(event.detail.message);
    afterChange(true);
  });
  let observer = null;
  if (!onScreen) {
    observer = new IntersectionObserver((entries) => {
      onScreen = entries.some((entry) => entry.isIntersecting);
      scheduleMark();
    });
    observer.observe(scroller);
  }

  const loaded = resync().catch((error) => { scroller.prepend(errorMessage(error)); });

  return {
    loaded,
    textarea,
    form,
    focus() {
      (textarea || scroller).focus();
    },
    refreshOffers,
    setVisible(value) {
      shown = Boolean(value);
      if (shown) scheduleMark();
    },
    destroy() {
      destroyed = true;
      clearTimeout(markTimer);
      observer?.disconnect();
      unsubscribe.forEach((fn) => fn());
      document.removeEventListener("visibilitychange", onVisible);
      scroller.removeEventListener("scroll", onScroll);
    },
  };
}

/** run() (returning a promise) at most once at a time: called while it runs, it runs once more afterwards (the
 * running one may have missed what the caller knows of); the answer is the promise of the run in flight. */
function coalesced(run) {
  let running = null;
  let again = false;
  const call = () => {
    if (running) {
      again = true;
      return running;
    }
    running = run().finally(() => {
      running = null;
      if (again) {
        again = false;
        call().catch(() => {});
      }
    });
    return running;
  };
  return call;
}

/** The chat's heading: the default, a text, or the caller's element (given an id, so it labels the chat). */
function headingOf(header, id) {
  if (header instanceof Element) {
    if (!header.id) header.id = id;
    return header;
  }
  if (typeof header === "string" && header) return h("h2", { id }, header);
  return h("h2", { id, t: "chat.title" });
}
