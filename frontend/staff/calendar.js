// Tidbok: the unit's bookings for a day or a week (GET /staff/units/{unit}/bookings; every patient shown is
// written to the access log by the server), with "Uteblev" (no-show, once the time has started) and "Avboka" with
// a message to the patient. Days are Swedish calendar days. A booked video time that has not ended has "Öppna ärendet
// och starta video" (the case page opens and starts the meeting); from 15 minutes before the time it is the page's
// primary button, marked "Snart" or "Nu" in words (the marks follow the clock every 30 s).

import { clear, errorMessage, h, timeEl, uniqueId } from "/shared/dom.js";
import { addStrings, bind, parseTime } from "/shared/i18n.js";
import { requestVideoStart } from "/shared/video.js";

const VIDEO_SOON_MS = 15 * 60 * 1000;
const VIDEO_TICK_MS = 30 * 1000;

addStrings({
  sv: {
    "nav.calendar": "Tidbok",
    "calendar.title": "Tidbok",
    "calendar.lead": "Enhetens bokade tider. När du öppnar tidboken loggas att du har sett patienterna i den.",
    "calendar.range": "Visa",
    "calendar.day": "Dag",
    "calendar.week": "Vecka",
    "calendar.date": "Från och med",
    "calendar.previous": "Föregående",
    "calendar.next": "Nästa",
    "calendar.empty": "Inga bokade tider.",
    "calendar.time": "Tid",
    "calendar.patient": "Patient",
    "calendar.reason": "Sökorsak",
    "calendar.form": "Besöksform",
    "calendar.staff": "Hos",
    "calendar.state": "Status",
    "calendar.actions": "Åtgärder",
    "calendar.state.booked": "Bokad",
    "calendar.state.cancelled": "Avbokad",
    "calendar.state.no_show": "Uteblev",
    "calendar.form.physical": "Besök",
    "calendar.form.video": "Video",
    "calendar.form.phone": "Telefon",
    "calendar.noShow": "Uteblev",
    "calendar.cancel": "Avboka",
    "calendar.cancelMessage": "Meddelande till patienten",
    "calendar.cancelSend": "Avboka tiden",
    "calendar.cancelAbort": "Avbryt",
    "calendar.openCase": "Öppna ärendet",
    "calendar.startVideo": "Öppna ärendet och starta video",
    "calendar.videoSoon": "Snart:",
    "calendar.videoNow": "Nu:",
    "timeline.AppointmentBooked": "Tid bokad",
    "timeline.AppointmentRescheduled": "Bokad tid ändrad",
    "timeline.AppointmentCancelled": "Bokad tid avbokad",
    "timeline.AppointmentNoShow": "Uteblev från bokad tid",
    "timeline.AppointmentReminderDue": "Påminnelse om bokad tid",
    "calendar.dayHeading": (v) => new Intl.DateTimeFormat("sv-SE", { weekday: "long", day: "numeric", month: "long" })
      .format(parseTime(v.at)),
  },
  en: {
    "nav.calendar": "Bookings",
    "calendar.title": "Bookings",
    "calendar.lead": "The unit's booked times. Opening the calendar logs that you have seen the patients in it.",
    "calendar.range": "Show",
    "calendar.day": "Day",
    "calendar.week": "Week",
    "calendar.date": "From",
    "calendar.previous": "Previous",
    "calendar.next": "Next",
    "calendar.empty": "No booked times.",
    "calendar.time": "Time",
    "calendar.patient": "Patient",
    "calendar.reason": "Reason for contact",
    "calendar.form": "Visit form",
    "calendar.staff": "With",
    "calendar.state": "Status",
    "calendar.actions": "Actions",
    "calendar.state.booked": "Booked",
    "calendar.state.cancelled": "Cancelled",
    "calendar.state.no_show": "Did not come",
    "calendar.form.physical": "Visit",
    "calendar.form.video": "Video",
    "calendar.form.phone": "Phone",
    "calendar.noShow": "Did not come",
    "calendar.cancel": "Cancel",
    "calendar.cancelMessage": "Message to the patient",
    "calendar.cancelSend": "Cancel the time",
    "calendar.cancelAbort": "Back",
    "calendar.openCase": "Open the case",
    "calendar.startVideo": "Open the case and start video",
    "calendar.videoSoon": "Soon:",
    "calendar.videoNow": "Now:",
    "timeline.AppointmentBooked": "Time booked",
    "timeline.AppointmentRescheduled": "Booked time changed",
    "timeline.AppointmentCancelled": "Booked time cancelled",
    "timeline.AppointmentNoShow": "Did not come to the booked time",
    "timeline.AppointmentReminderDue": "Reminder of the booked time",
    "calendar.dayHeading": (v) => new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long" })
      .format(parseTime(v.at)),
  },
});

const stockholmDay = (at) => new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Stockholm" }).format(parseTime(at));

function addDays(isoDay, n) {
  const d = new Date(`${isoDay}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export async function calendarView(ctx, unitId) {
  ctx.setTitle("calendar.title");
  const units = await ctx.units();
  const rangeId = uniqueId("range");
  const dateId = uniqueId("date");
  const range = h("select", { id: rangeId },
    h("option", { value: "1", t: "calendar.day" }), h("option", { value: "7", t: "calendar.week" }));
  const date = h("input", { type: "date", id: dateId, value: stockholmDay(new Date()) });
  const status = h("div", { role: "status" });
  const body = h("div", { class: "calendar-body" });
  const step = (sign) => () => {
    date.value = addDays(date.value || stockholmDay(new Date()), sign * Number(range.value));
    load();
  };
  ctx.main.append(
    h("h1", { tabindex: "-1" }, h("span", { t: "calendar.title" }), " – ", units.get(unitId)?.name || unitId),
    h("p", { class: "lead", t: "calendar.lead" }),
    h("div", { class: "calendar-controls" },
      h("label", { for: rangeId, t: "calendar.range" }), range,
      h("label", { for: dateId, t: "calendar.date" }), date,
      h("button", { type: "button", class: "button-secondary", t: "calendar.previous", on: { click: step(-1) } }),
      h("button", { type: "button", class: "button-secondary", t: "calendar.next", on: { click: step(1) } })),
    status, body);
  range.addEventListener("change", () => load());
  date.addEventListener("change", () => load());

  async function load() {
    const from = date.value || stockholmDay(new Date());
    try {
      const calendar = await ctx.api.get(`/staff/units/${encodeURIComponent(unitId)}/bookings`,
        { query: { from, to: addDays(from, Number(range.value)) } });
      draw(calendar.bookings);
    } catch (error) {
      clear(body, errorMessage(error));
    }
  }

  function draw(bookings) {
    if (!bookings.length) {
      clear(body, h("p", { t: "calendar.empty" }));
      return;
    }
    const days = new Map();
    for (const b of bookings) {
      const day = stockholmDay(b.slot.start);
      if (!days.has(day)) days.set(day, []);
      days.get(day).push(b);
    }
    clear(body, [...days.values()].map((list) => {
      const headingId = uniqueId("day");
      return h("section", { class: "card calendar-day", "aria-labelledby": headingId },
        h("h2", { id: headingId, t: "calendar.dayHeading", vars: { at: list[0].slot.start } }),
        h("table", { class: "calendar-table" },
          h("thead", {}, h("tr", {}, ["time", "patient", "reason", "form", "staff", "state", "actions"]
            .map((k) => h("th", { scope: "col", t: `calendar.${k}` })))),
          h("tbody", {}, list.map(row))));
    }));
  }

  function row(b) {
    const actions = h("td", { class: "calendar-actions" });
    const started = parseTime(b.slot.start) <= new Date();
    const caseLink = `#/arenden/${encodeURIComponent(b.case_id)}`;
    if (b.state === "booked" && b.slot.form === "video" && parseTime(b.slot.end) > new Date()) {
      const mark = h("strong", { class: "video-when" });
      const link = h("a", { href: caseLink, class: "button-secondary calendar-video", t: "calendar.startVideo",
        dataset: { start: b.slot.start, end: b.slot.end }, on: { click: () => requestVideoStart(b.case_id) } });
      actions.append(h("div", { class: "calendar-video-slot" }, mark, " ", link));
      markVideo(link, mark);
    }
    if (b.state === "booked") {
      if (started) {
        actions.append(h("button", { type: "button", class: "button-secondary", t: "calendar.noShow",
          on: { click: () => act(() => ctx.api.post(`/staff/bookings/${encodeURIComponent(b.booking_id)}/no-show`, {},
            { idempotent: true })) } }));
      }
      actions.append(h("button", { type: "button", class: "button-secondary", t: "calendar.cancel",
        on: { click: () => cancelForm(actions, b) } }));
    }
    actions.append(h("a", { href: caseLink, t: "calendar.openCase" }));
    return h("tr", { dataset: { bookingId: b.booking_id, state: b.state } },
      h("td", {}, timeEl(b.slot.start, "fmt.time")),
      h("td", {}, b.patient_name),
      h("td", {}, b.reason),
      h("td", { t: `calendar.form.${b.slot.form}` }),
      h("td", {}, b.slot.staff_name),
      h("td", { t: `calendar.state.${b.state}` }),
      actions);
  }

  function cancelForm(cell, b) {
    const id = uniqueId("message");
    const message = h("textarea", { id, rows: "2", maxlength: "500", required: true });
    const form = h("form", { class: "cancel-form" },
      h("label", { for: id, t: "calendar.cancelMessage" }), message,
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "button", t: "calendar.cancelSend" }),
        h("button", { type: "button", class: "button-secondary", t: "calendar.cancelAbort",
          on: { click: () => load() } })));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(() => ctx.api.request("DELETE", `/staff/bookings/${encodeURIComponent(b.booking_id)}`,
        { body: { message: message.value }, idempotent: true }), form);
    });
    clear(cell, form);
    message.focus();
  }

  /** A booked video time's button: the primary one, marked "Snart"/"Nu", from 15 minutes before until its end. */
  function markVideo(link, mark) {
    const now = Date.now();
    const start = parseTime(link.dataset.start).getTime();
    const end = parseTime(link.dataset.end).getTime();
    const due = now >= start - VIDEO_SOON_MS && now < end;
    link.className = due ? "button calendar-video calendar-video-due" : "button-secondary calendar-video";
    mark.hidden = !due;
    if (due) bind(mark, now >= start ? "calendar.videoNow" : "calendar.videoSoon");
  }

  const ticker = setInterval(() => {
    for (const slot of body.querySelectorAll(".calendar-video-slot")) {
      markVideo(slot.querySelector("a"), slot.querySelector(".video-when"));
    }
  }, VIDEO_TICK_MS);

  async function act(call, where = status) {
    try {
      await call();
      await load();
    } catch (error) {
      where.append(errorMessage(error));
    }
  }

  await load();
  return () => clearInterval(ticker);
}
