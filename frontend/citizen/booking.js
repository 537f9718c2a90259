// Booking a time for a case (webbtidbok): the booked time with "Ändra tid", "Avboka" and the .ics file; or the
// free times to choose from, grouped by day as radio buttons (keyboard: Tab to a day's group, arrows between its
// times). Open booking (GET …/slots) when the assessment chose a visit or video and the region allows it, or the
// times staff offered in the chat (GET …/offered-slots). A time someone else took a moment ago answers 409: the
// message says so and the list is fetched again.

import { newId } from "/shared/api.js";
import { config } from "/shared/app.js";
import { clear, errorMessage, h, timeEl, uniqueId } from "/shared/dom.js";
import { addStrings, parseTime } from "/shared/i18n.js";

addStrings({
  sv: {
    "booking.title": "Boka tid",
    "booking.bookedTitle": "Din bokade tid",
    "booking.offeredTitle": "Tider som mottagningen erbjuder dig",
    "booking.intro": "Välj en tid som passar dig. Tiderna ligger inom den tid ditt ärende kan vänta.",
    "booking.offeredIntro": "Mottagningen har föreslagit de här tiderna i chatten. Välj en av dem.",
    "booking.none": "Det finns inga lediga tider just nu. Mottagningen kontaktar dig.",
    "booking.choose": "Boka vald tid",
    "booking.move": "Flytta till vald tid",
    "booking.pickFirst": "Välj en tid först.",
    "booking.change": "Ändra tid",
    "booking.cancel": "Avboka",
    "booking.cancelConfirm": "Vill du avboka tiden?",
    "booking.keep": "Behåll tiden",
    "booking.yesCancel": "Ja, avboka",
    "booking.ics": "Lägg till i kalendern (.ics)",
    "booking.when": "Tid",
    "booking.where": "Plats",
    "booking.with": "Hos",
    "booking.form": "Besöksform",
    "booking.form.physical": "Besök på mottagningen",
    "booking.form.video": "Videomöte",
    "booking.form.phone": "Telefonsamtal",
    "booking.changeUntil": (v, f) => `Du kan ändra eller avboka här fram till ${f.datetime(v.at)}.`,
    "booking.tooLate": "Det är för sent att ändra eller avboka här. Ring mottagningen om du inte kan komma.",
    "booking.booked": "Tiden är bokad.",
    "booking.moved": "Tiden är ändrad.",
    "booking.cancelled": "Tiden är avbokad.",
    "booking.cancelledByUnit": "Mottagningen har avbokat din tid:",
    "booking.noShow": "Du kom inte till den bokade tiden.",
    "booking.bookAgain": "Du kan boka en ny tid nedan.",
    "booking.slotLabel": (v, f) => `${f.time(v.at)}, ${v.staff}`,
    "booking.day": (v) => new Intl.DateTimeFormat("sv-SE", { weekday: "long", day: "numeric", month: "long" })
      .format(parseTime(v.at)),
    "event.booked": "Tid bokad",
    "event.rescheduled": "Bokad tid ändrad",
    "event.booking_cancelled": "Bokad tid avbokad",
  },
  en: {
    "booking.title": "Book a time",
    "booking.bookedTitle": "Your booked time",
    "booking.offeredTitle": "Times the unit offers you",
    "booking.intro": "Choose a time that suits you. The times are within how long your case can wait.",
    "booking.offeredIntro": "The unit suggested these times in the chat. Choose one of them.",
    "booking.none": "There are no free times right now. The unit will contact you.",
    "booking.choose": "Book the chosen time",
    "booking.move": "Move to the chosen time",
    "booking.pickFirst": "Choose a time first.",
    "booking.change": "Change time",
    "booking.cancel": "Cancel booking",
    "booking.cancelConfirm": "Do you want to cancel the time?",
    "booking.keep": "Keep the time",
    "booking.yesCancel": "Yes, cancel",
    "booking.ics": "Add to calendar (.ics)",
    "booking.when": "Time",
    "booking.where": "Place",
    "booking.with": "With",
    "booking.form": "Visit form",
    "booking.form.physical": "Visit at the unit",
    "booking.form.video": "Video meeting",
    "booking.form.phone": "Phone call",
    "booking.changeUntil": (v, f) => `You can change or cancel here until ${f.datetime(v.at)}.`,
    "booking.tooLate": "It is too late to change or cancel here. Call the unit if you cannot come.",
    "booking.booked": "The time is booked.",
    "booking.moved": "The time has been changed.",
    "booking.cancelled": "The time has been cancelled.",
    "booking.cancelledByUnit": "The unit cancelled your time:",
    "booking.noShow": "You did not come to the booked time.",
    "booking.bookAgain": "You can book a new time below.",
    "booking.slotLabel": (v, f) => `${f.time(v.at)}, ${v.staff}`,
    "booking.day": (v) => new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long" })
      .format(parseTime(v.at)),
    "event.booked": "Time booked",
    "event.rescheduled": "Booked time changed",
    "event.booking_cancelled": "Booked time cancelled",
  },
});

function stockholmDay(iso) {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Stockholm" }).format(parseTime(iso));
}

/** The booking panel of a case page; `el` stays empty (hidden) when the case has nothing to book. onChange() is
 * called after the citizen booked, moved or cancelled a time here. focusTimes() moves focus to the times to choose
 * from (the chat's "Välj tid"), or to the booked time. */
export function mountBooking(ctx, theCase, { onChange = () => {} } = {}) {
  const titleId = uniqueId("booking");
  const title = h("h2", { id: titleId, tabindex: "-1" }, h("span", { t: "booking.title" }));
  const body = h("div");
  const status = h("p", { role: "status", class: "notice notice-success", hidden: true });
  const el = h("section", { class: "card booking", "aria-labelledby": titleId, hidden: true }, title, status, body);
  const base = `/citizen/cases/${encodeURIComponent(theCase.case_id)}`;
  let alive = true;

  function say(key) {
    status.hidden = !key;
    if (key) clear(status, h("span", { t: key }));
  }

  let overview = { booking: null, can_self_book: false, offered_free: 0 };
  let loading = null;

  async function load() {
    overview = await ctx.api.get(`${base}/booking`); // one request; times are asked for only when there are some
    if (!alive) return;
    const booking = overview.booking;
    if (booking?.state === "booked") return showBooked(booking);
    const notes = [];
    if (booking?.state === "cancelled" && booking.message) {
      notes.push(h("p", { class: "notice" }, h("span", { t: "booking.cancelledByUnit" }), " ", booking.message));
    } else if (booking?.state === "no_show") notes.push(h("p", { class: "notice", t: "booking.noShow" }));
    if (!overview.can_self_book && !overview.offered_free && !notes.length) {
      el.hidden = true; // nothing to book in this case
      return;
    }
    return showPicker({ notes });
  }

  async function freeTimes() {
    if (overview.can_self_book) return { offered: false, ...(await ctx.api.get(`${base}/slots`)) };
    if (overview.offered_free) return { offered: true, ...(await ctx.api.get(`${base}/offered-slots`)) };
    return { offered: true, slots: [] };
  }

  function showBooked(booking) {
    el.hidden = false;
    clear(title, h("span", { t: "booking.bookedTitle" }));
    const slot = booking.slot;
    const canChange = parseTime(booking.can_change_until) > new Date();
    const row = (key, value) => [h("dt", { t: key }), h("dd", {}, value)];
    const actions = h("div", { class: "actions" });
    if (canChange) {
      actions.append(
        h("button", { type: "button", class: "button-secondary", t: "booking.change",
          on: { click: () => showPicker({ moving: booking }) } }),
        h("button", { type: "button", class: "button-secondary", t: "booking.cancel",
          on: { click: () => confirmCancel(actions) } }));
    }
    actions.append(h("button", { type: "button", class: "button-link", t: "booking.ics", on: { click: downloadIcs } }));
    clear(body,
      h("dl", { class: "details booking-details" },
        row("booking.when", timeEl(slot.start)),
        row("booking.form", h("span", { t: `booking.form.${slot.form}` })),
        row("booking.where", slot.location),
        row("booking.with", slot.staff_name)),
      h("p", { class: "hint", t: canChange ? "booking.changeUntil" : "booking.tooLate",
        vars: { at: booking.can_change_until } }),
      actions);
  }

  function confirmCancel(actions) {
    const questionId = uniqueId("cancel");
    const box = h("div", { class: "confirm", role: "group", "aria-labelledby": questionId });
    const question = h("p", { id: questionId, t: "booking.cancelConfirm" });
    const errorSlot = h("div");
    const keep = h("button", { type: "button", class: "button-secondary", t: "booking.keep",
      on: { click: () => { box.remove(); actions.hidden = false; actions.querySelector("button")?.focus(); } } });
    const yes = h("button", { type: "button", class: "button", t: "booking.yesCancel", on: { click: async () => {
      yes.disabled = true;
      try {
        await ctx.api.delete(`${base}/booking`);
        say("booking.cancelled");
        onChange();
        await load();
        title.focus();
      } catch (error) {
        yes.disabled = false;
        clear(errorSlot, errorMessage(error));
      }
    } } });
    box.append(question, h("div", { class: "actions" }, yes, keep), errorSlot);
    actions.hidden = true;
    actions.after(box);
    yes.focus();
  }

  async function downloadIcs() {
    const response = await fetch(`${config.apiBase}${base}/booking.ics`,
      { headers: { Authorization: `Bearer ${ctx.session.token}` } });
    if (!response.ok) return;
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: "bokning.ics", hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  async function showPicker({ moving = null, notes = [] } = {}) {
    const times = await freeTimes();
    if (!alive) return;
    el.hidden = false;
    clear(title, h("span", { t: moving ? "booking.change" : times.offered ? "booking.offeredTitle" : "booking.title" }));
    const errorSlot = h("div", { "aria-live": "assertive" });
    const form = h("form", { class: "slot-picker", novalidate: true });
    const name = uniqueId("slot");
    const days = new Map();
    for (const slot of times.slots) {
      const day = stockholmDay(slot.start);
      if (!days.has(day)) days.set(day, []);
      days.get(day).push(slot);
    }
    for (const slots of days.values()) {
      const legendId = uniqueId("day");
      form.append(h("fieldset", { class: "slot-day", "aria-labelledby": legendId },
        h("legend", { id: legendId, t: "booking.day", vars: { at: slots[0].start } }),
        h("ul", { class: "slot-list" }, slots.map((slot) => {
          const id = uniqueId("slot");
          return h("li", {},
            h("input", { type: "radio", id, name, value: slot.slot_id }),
            h("label", { for: id, t: "booking.slotLabel", vars: { at: slot.start, staff: slot.staff_name } }));
        }))));
    }
    const submit = h("button", { type: "submit", class: "button", t: moving ? "booking.move" : "booking.choose" });
    let key = newId(); // one key per intended booking: a retry of the same choice is answered with the first result
    let chosenBefore = null;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = form.querySelector(`input[name="${name}"]:checked`)?.value;
      if (!chosen) {
        clear(errorSlot, h("p", { class: "error", role: "alert", t: "booking.pickFirst" }));
        form.querySelector("input")?.focus();
        return;
      }
      if (chosen !== chosenBefore) key = newId();
      chosenBefore = chosen;
      submit.disabled = true;
      try {
        await ctx.api.request(moving ? "PUT" : "POST", `${base}/booking`,
          { body: { slot_id: chosen }, idempotencyKey: key });
        say(moving ? "booking.moved" : "booking.booked");
        onChange();
        await load();
        title.focus();
      } catch (error) {
        submit.disabled = false;
        if (error.status === 409 && error.code === "slot_taken") {
          await showPicker({ moving, notes: [errorMessage(error)] });
          return;
        }
        clear(errorSlot, errorMessage(error));
      }
    });
    const intro = times.offered ? "booking.offeredIntro" : "booking.intro";
    const cancelMove = moving
      ? h("button", { type: "button", class: "button-secondary", t: "booking.keep",
        on: { click: () => { say(null); showBooked(moving); } } })
      : null;
    clear(body, notes, notes.length && !moving && !times.offered ? h("p", { t: "booking.bookAgain" }) : null,
      times.slots.length ? [h("p", { t: intro }), form] : h("p", { t: "booking.none" }), errorSlot);
    form.append(h("div", { class: "actions" }, submit, cancelMove));
  }

  loading = load().catch((error) => {
    if (!alive) return;
    el.hidden = false;
    clear(body, errorMessage(error));
  });

  /** The chat's "Välj tid": the times to choose from (fetched again, they may have changed), or the booked time. */
  async function focusTimes() {
    await loading;
    loading = load().catch(() => {});
    await loading;
    if (!alive || el.hidden) return;
    const radios = [...body.querySelectorAll('input[type="radio"]')];
    const target = radios.find((r) => r.checked) || radios[0] || title;
    el.scrollIntoView?.({ block: "start" });
    target.focus();
  }

  return {
    el,
    refresh: () => { loading = load().catch(() => {}); return loading; },
    focusTimes,
    destroy() { alive = false; },
  };
}
