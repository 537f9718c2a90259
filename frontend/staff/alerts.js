// Staff alerts on the queue page: a new P1 or P2 case for this unit and one's profession, or a case escalated to a
// coordinator (past its deadline, unclaimed), is pushed over the WebSocket as {type: "alert", kind, case_id,
// priority, unit_id, profession}. It shows at once as a banner (role="alert": screen readers announce it) with a link
// to the case, and a short beep (Web Audio API) unless the sound is turned off here; the choice is remembered in
// this browser. The sound starts only after the user has interacted with the page once (browsers block autoplay; we
// never try before that, so nothing is ever refused in the console). Alerts carry no health data.

import { codeLabel, h, priorityBadge, uniqueId } from "/shared/dom.js";
import { addStrings } from "/shared/i18n.js";

const SOUND_KEY = "nara.staff.alertSound"; // "off" when muted; anything else plays the sound
const MAX_SHOWN = 5; // the newest alerts; older ones are in the queue anyway

addStrings({
  sv: {
    "alerts.region": "Larm",
    "alerts.new_case": "Nytt brådskande ärende i kön",
    "alerts.escalated": "Ärende har passerat sin tidsgräns utan att tas – eskalerat till dig som samordnare",
    "alerts.open": "Öppna ärendet",
    "alerts.dismiss": "Stäng larmet",
    "alerts.sound": "Ljud vid larm",
    "timeline.CaseEscalated": "Eskalerat till samordnare",
  },
  en: {
    "alerts.region": "Alerts",
    "alerts.new_case": "New urgent case in the queue",
    "alerts.escalated": "A case passed its deadline unclaimed – escalated to you as coordinator",
    "alerts.open": "Open the case",
    "alerts.dismiss": "Dismiss the alert",
    "alerts.sound": "Sound on alerts",
    "timeline.CaseEscalated": "Escalated to the coordinator",
  },
});

export function soundOn() {
  return localStorage.getItem(SOUND_KEY) !== "off";
}

let audio = null; // one AudioContext, made on the first user gesture
let gestured = false;

function unlockOnGesture() {
  const unlock = () => {
    gestured = true;
    document.removeEventListener("pointerdown", unlock, true);
    document.removeEventListener("keydown", unlock, true);
  };
  document.addEventListener("pointerdown", unlock, true);
  document.addEventListener("keydown", unlock, true);
}
unlockOnGesture();

/** A short two-tone beep; silently nothing when muted, before any user gesture, or without Web Audio. */
export function beep() {
  if (!soundOn() || !gestured) return;
  try {
    const AudioContextImpl = globalThis.AudioContext || globalThis.webkitAudioContext;
    if (!AudioContextImpl) return;
    audio ||= new AudioContextImpl();
    const play = () => {
      const start = audio.currentTime;
      const gain = audio.createGain();
      gain.connect(audio.destination);
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.5);
      [[880, 0], [660, 0.25]].forEach(([frequency, at]) => {
        const tone = audio.createOscillator();
        tone.type = "sine";
        tone.frequency.setValueAtTime(frequency, start + at);
        tone.connect(gain);
        tone.start(start + at);
        tone.stop(start + at + 0.22);
      });
    };
    if (audio.state === "suspended") audio.resume().then(play, () => {});
    else play();
  } catch {
    // no sound is never an error: the banner is the alert
  }
}

/**
 * The alert area of the queue page for `unitId`: a sound setting and the banners. Returns {element, off}.
 * New urgent cases are shown for this unit (staff working at several see each unit's on its own queue page);
 * escalations to a coordinator are shown wherever they have the queue open.
 */
export function alertArea(ctx, unitId) {
  const soundId = uniqueId("alert-sound");
  const sound = h("input", { type: "checkbox", id: soundId });
  sound.checked = soundOn();
  sound.addEventListener("change", () => localStorage.setItem(SOUND_KEY, sound.checked ? "on" : "off"));
  const list = h("div", { class: "alert-list" });
  const element = h("section", { class: "staff-alerts", "aria-labelledby": `${soundId}-title` },
    h("h2", { id: `${soundId}-title`, class: "visually-hidden", t: "alerts.region" }),
    h("div", { class: "field field-inline alert-sound" }, sound, h("label", { for: soundId, t: "alerts.sound" })),
    list);

  function show(push) {
    if (!push || !push.case_id) return;
    const kind = push.kind === "escalated" ? "escalated" : "new_case";
    list.querySelector(`[data-alert="${CSS.escape(`${kind}:${push.case_id}`)}"]`)?.remove();
    const dismiss = h("button", { type: "button", class: "button-secondary", t: "alerts.dismiss" });
    const banner = h("div", { class: `notice notice-error alert-banner alert-${kind}`, role: "alert",
      "data-alert": `${kind}:${push.case_id}` },
    h("p", {}, priorityBadge(push.priority), " ", h("strong", { t: `alerts.${kind}` }), " – ",
      codeLabel("profession", push.profession)),
    h("p", {}, h("a", { href: `#/arenden/${encodeURIComponent(push.case_id)}`, t: "alerts.open" }), " ", dismiss));
    dismiss.addEventListener("click", () => {
      banner.remove();
      list.closest("main")?.querySelector("h1")?.focus();
    });
    list.prepend(banner);
    while (list.children.length > MAX_SHOWN) list.lastElementChild.remove();
    beep();
  }

  const realtime = ctx.realtime();
  const off = realtime ? realtime.on("alert", (push) => {
    if (push.kind === "escalated" || push.unit_id === unitId) show(push);
  }) : () => {};
  return { element, off };
}
