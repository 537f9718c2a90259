// Video meetings within a case: the call UI used by staff, the citizen and an interpreter (tolk).
//
// WebRTC in the browser; signalling over the WebSocket: {action: "signal", meeting_id, to, kind, data}. The server
// relays a signal only between the connections that joined this meeting (see docs/video.md). Whoever is in the
// meeting answers a newcomer's "hello" with an offer, so each pair of participants gets one RTCPeerConnection.
// The call element carries data-state="connected" when a peer connection's connectionState is "connected".

import { ApiError, createApi, newId } from "./api.js";
import { add, clear, errorMessage, h, uniqueId } from "./dom.js";
import { addStrings, bind, initI18n, mountLanguageSwitch } from "./i18n.js";
import { Realtime } from "./realtime.js";

addStrings({
  sv: {
    "video.title": "Videomöte",
    "video.start": "Starta videomöte",
    "video.starting": "Startar videomötet …",
    "video.inviteInterpreter": "Bjud in tolk",
    "video.interpreterLink": "Ge tolken den här länken. Den fungerar en gång och bara för det här mötet, och slutar "
      + "gälla när mötet avslutas.",
    "video.interpreterLinkLabel": "Länk till tolken",
    "video.copy": "Kopiera länken",
    "video.copied": "Länken är kopierad.",
    "video.end": "Avsluta videomötet",
    "video.join": "Anslut till videomötet",
    "video.prompt": "Din vårdgivare har startat ett videomöte. Anslut när du är redo.",
    "video.local": "Din kamera",
    "video.remote.staff": "Deltagare: vårdpersonal",
    "video.remote.citizen": "Deltagare: patient",
    "video.remote.interpreter": "Deltagare: tolk",
    "video.mute": "Stäng av mikrofonen",
    "video.unmute": "Slå på mikrofonen",
    "video.cameraOff": "Stäng av kameran",
    "video.cameraOn": "Slå på kameran",
    "video.hangUp": "Lägg på",
    "video.retry": "Försök igen",
    "video.state.new": "Förbereder kamera och mikrofon …",
    "video.state.waiting": "Väntar på att den andra parten ska ansluta …",
    "video.state.connecting": "Ansluter …",
    "video.state.connected": "Ansluten.",
    "video.state.disconnected": "Anslutningen bröts. Försöker igen …",
    "video.state.failed": "Det gick inte att ansluta. Lägg på och försök igen.",
    "video.state.ended": "Videomötet är avslutat.",
    "video.help.denied": "Webbläsaren fick inte använda kameran eller mikrofonen. Tillåt kamera och mikrofon för "
      + "den här sidan (oftast via ikonen i adressfältet) och välj sedan Försök igen.",
    "video.help.missing": "Vi hittar ingen kamera eller mikrofon. Anslut en, eller använd en telefon eller dator "
      + "som har det, och välj sedan Försök igen.",
    "video.help.busy": "Kameran eller mikrofonen används av ett annat program. Stäng det och välj Försök igen.",
    "video.help.unsupported": "Den här webbläsaren kan inte hålla videomöten. Använd en aktuell version av "
      + "Chrome, Edge, Firefox eller Safari.",
    "video.help.audioOnly": "Ingen kamera hittades: du deltar med enbart ljud.",
    "interpreter.title": "Videomöte för tolk",
    "interpreter.lead": "Du är inbjuden som tolk till ett videomöte. Du ser och hör bara mötet, inga "
      + "uppgifter om ärendet.",
    "interpreter.refused": "Länken går inte att använda",
    "interpreter.refusedHelp": "Länken har redan använts, har gått ut eller så har mötet avslutats. Be "
      + "vårdpersonalen om en ny länk.",
    "interpreter.missing": "Länken saknar sin kod. Öppna hela länken som du fick.",
  },
  en: {
    "video.title": "Video meeting",
    "video.start": "Start video meeting",
    "video.starting": "Starting the video meeting …",
    "video.inviteInterpreter": "Invite an interpreter",
    "video.interpreterLink": "Give the interpreter this link. It works once, only for this meeting, and stops "
      + "working when the meeting ends.",
    "video.interpreterLinkLabel": "Link for the interpreter",
    "video.copy": "Copy the link",
    "video.copied": "The link is copied.",
    "video.end": "End the video meeting",
    "video.join": "Join the video meeting",
    "video.prompt": "Your care provider has started a video meeting. Join when you are ready.",
    "video.local": "Your camera",
    "video.remote.staff": "Participant: care staff",
    "video.remote.citizen": "Participant: patient",
    "video.remote.interpreter": "Participant: interpreter",
    "video.mute": "Turn off the microphone",
    "video.unmute": "Turn on the microphone",
    "video.cameraOff": "Turn off the camera",
    "video.cameraOn": "Turn on the camera",
    "video.hangUp": "Hang up",
    "video.retry": "Try again",
    "video.state.new": "Preparing camera and microphone …",
    "video.state.waiting": "Waiting for the other party to join …",
    "video.state.connecting": "Connecting …",
    "video.state.connected": "Connected.",
    "video.state.disconnected": "The connection dropped. Trying again …",
    "video.state.failed": "Could not connect. Hang up and try again.",
    "video.state.ended": "The video meeting has ended.",
    "video.help.denied": "The browser was not allowed to use the camera or microphone. Allow camera and microphone "
      + "for this page (usually through the icon in the address bar), then choose Try again.",
    "video.help.missing": "We cannot find a camera or microphone. Connect one, or use a phone or computer that has "
      + "them, then choose Try again.",
    "video.help.busy": "Another program is using the camera or microphone. Close it and choose Try again.",
    "video.help.unsupported": "This browser cannot hold video meetings. Use a current version of Chrome, Edge, "
      + "Firefox or Safari.",
    "video.help.audioOnly": "No camera was found: you take part with sound only.",
    "interpreter.title": "Video meeting for an interpreter",
    "interpreter.lead": "You are invited as an interpreter to a video meeting. You see and hear the meeting only, "
      + "nothing about the case.",
    "interpreter.refused": "This link cannot be used",
    "interpreter.refusedHelp": "The link has been used already, has expired, or the meeting has ended. Ask the care "
      + "staff for a new link.",
    "interpreter.missing": "The link lacks its code. Open the whole link you were given.",
  },
});


/** Camera and microphone, with the reason in words when they cannot be had: {stream, help} (help: a key). */
async function localMedia(mediaDevices = navigator.mediaDevices) {
  if (!mediaDevices?.getUserMedia || !globalThis.RTCPeerConnection) return { stream: null, help: "video.help.unsupported" };
  try {
    return { stream: await mediaDevices.getUserMedia({ audio: true, video: true }), help: null };
  } catch (error) {
    if (error?.name === "NotAllowedError" || error?.name === "SecurityError") return { stream: null, help: "video.help.denied" };
    if (error?.name === "NotReadableError") return { stream: null, help: "video.help.busy" };
    try { // no camera: sound only is still a meeting
      return { stream: await mediaDevices.getUserMedia({ audio: true }), help: "video.help.audioOnly" };
    } catch (second) {
      return { stream: null, help: second?.name === "NotAllowedError" ? "video.help.denied" : "video.help.missing" };
    }
  }
}

/**
 * The call: joins the meeting over `realtime` (on/send), shows local and remote video, mute, camera off, hang up.
 * onHangUp is called after hanging up (staff end the meeting there). Returns {el, destroy}.
 */
export function callView({ realtime, meetingId, iceServers = [], onHangUp = () => {}, mediaDevices, nested = false }) {
  const headingId = uniqueId("video-heading");
  const status = h("p", { class: "video-status", role: "status", t: "video.state.new" });
  const help = h("div", { class: "video-help" });
  const localVideo = h("video", { class: "video-local", autoplay: true, playsinline: true, muted: true,
    attrs: { "aria-label": "video.local" } });
  localVideo.muted = true;
  const remotes = h("div", { class: "video-remotes" });
  // the label says what the button does next (not a pressed state as well: "Slå på mikrofonen, nedtryckt" confuses)
  const mute = h("button", { type: "button", class: "button-secondary", dataset: { off: "false" }, t: "video.mute" });
  const camera = h("button", { type: "button", class: "button-secondary", dataset: { off: "false" },
    t: "video.cameraOff" });
  const hangUp = h("button", { type: "button", class: "button video-hangup", t: "video.hangUp" });
  const controls = h("div", { class: "video-controls", role: "group", attrs: { "aria-label": "video.title" } },
    mute, camera, hangUp);
  // nested in the staff's "Videomöte" card, the call is part of that section rather than a second one like it
  const el = nested
    ? h("div", { class: "video-call", dataset: { state: "new" } }, status, help,
      h("div", { class: "video-grid" }, localVideo, remotes), controls)
    : h("section", { class: "card video-call", "aria-labelledby": headingId, dataset: { state: "new" } },
      h("h2", { id: headingId, t: "video.title" }), status, help,
      h("div", { class: "video-grid" }, localVideo, remotes), controls);

  const peers = new Map(); // connection id of the other participant -> {pc, video, queued}
  const offs = [];
  let stream = null;
  let ended = false;

  function setState(state) {
    if (ended && state !== "ended") return;
    el.dataset.state = state;
    bind(status, `video.state.${state}`);
  }

  function overall() {
    const states = [...peers.values()].map((p) => p.pc.connectionState);
    if (states.includes("connected")) setState("connected");
    else if (!states.length) setState("waiting");
    else if (states.includes("connecting") || states.includes("new")) setState("connecting");
    else if (states.includes("disconnected")) setState("disconnected");
    else if (states.every((s) => s === "failed" || s === "closed")) setState("failed");
  }

  function send(kind, to, data = {}) {
    realtime.send({ action: "signal", meeting_id: meetingId, kind, ...(to ? { to } : {}), data });
  }

  function peer(id, kind) {
    let entry = peers.get(id);
    if (entry) return entry;
    const pc = new RTCPeerConnection({ iceServers });
    const who = ["staff", "citizen", "interpreter"].includes(kind) ? kind : "staff";
    const video = h("video", { class: "video-remote", autoplay: true, playsinline: true,
      attrs: { "aria-label": `video.remote.${who}` }, dataset: { peer: id } });
    entry = { pc, video, queued: [] };
    peers.set(id, entry);
    remotes.append(video);
    for (const track of stream?.getTracks() || []) pc.addTrack(track, stream);
    pc.onicecandidate = (event) => { if (event.candidate) send("candidate", id, { candidate: event.candidate.toJSON() }); };
    pc.ontrack = (event) => { if (video.srcObject !== event.streams[0]) video.srcObject = event.streams[0]; };
    pc.onconnectionstatechange = overall;
    overall();
    return entry;
  }

  function drop(id) {
    const entry = peers.get(id);
    if (!entry) return;
    entry.pc.close();
    entry.video.remove();
    peers.delete(id);
    overall();
  }

  async function onSignal(frame) {
    if (frame.meeting_id !== meetingId || ended) return;
    const from = frame.from;
    const data = frame.data || {};
    try {
      if (frame.kind === "hello") {
        drop(from); // a participant who joins again starts afresh
        const { pc } = peer(from, frame.from_kind);
        await pc.setLocalDescription(await pc.createOffer());
        send("offer", from, { description: pc.localDescription.toJSON() });
      } else if (frame.kind === "offer") {
        const entry = peer(from, frame.from_kind);
        await entry.pc.setRemoteDescription(data.description);
        await flush(entry);
        await entry.pc.setLocalDescription(await entry.pc.createAnswer());
        send("answer", from, { description: entry.pc.localDescription.toJSON() });
      } else if (frame.kind === "answer") {
        const entry = peers.get(from);
        if (entry) {
          await entry.pc.setRemoteDescription(data.description);
          await flush(entry);
        }
      } else if (frame.kind === "candidate") {
        const entry = peers.get(from);
        if (!entry || !data.candidate) return;
        if (entry.pc.remoteDescription) await entry.pc.addIceCandidate(data.candidate);
        else entry.queued.push(data.candidate);
      } else if (frame.kind === "bye") {
        drop(from);
      }
    } catch (error) {
      console.warn("video signal failed", error);
    }
  }

  async function flush(entry) {
    for (const candidate of entry.queued.splice(0)) await entry.pc.addIceCandidate(candidate);
  }

  async function begin() {
    clear(help);
    setState("new");
    const media = await localMedia(mediaDevices);
    if (media.help) {
      add(help, h("p", { class: media.stream ? "notice" : "notice notice-error", role: "alert", t: media.help }));
    }
    if (!media.stream) {
      const retry = h("button", { type: "button", class: "button", t: "video.retry", on: { click: begin } });
      add(help, retry);
      retry.focus();
      el.dataset.state = "blocked";
      return;
    }
    stream = media.stream;
    localVideo.srcObject = stream;
    camera.disabled = !stream.getVideoTracks().length;
    setState("waiting");
    send("hello");
  }

  offs.push(
    realtime.on("signal", onSignal),
    realtime.on("video", (push) => { if (push.meeting_id === meetingId && push.state === "ended") finish(false); }),
    realtime.on("video_error", (frame) => {
      if (frame.meeting_id && frame.meeting_id !== meetingId) return;
      clear(help, errorMessage({ status: 409, message: frame.message, messageSv: frame.message_sv }));
    }),
    realtime.on("open", () => { if (stream && !ended) send("hello"); }), // after a reconnect: join again
  );

  mute.addEventListener("click", () => {
    const off = mute.dataset.off !== "true";
    for (const track of stream?.getAudioTracks() || []) track.enabled = !off;
    mute.dataset.off = String(off);
    bind(mute, off ? "video.unmute" : "video.mute");
  });
  camera.addEventListener("click", () => {
    const off = camera.dataset.off !== "true";
    for (const track of stream?.getVideoTracks() || []) track.enabled = !off;
    camera.dataset.off = String(off);
    bind(camera, off ? "video.cameraOn" : "video.cameraOff");
  });
  hangUp.addEventListener("click", () => finish(true));

  function finish(byMe, notify = byMe) {
    if (ended) return;
    if (byMe) send("bye");
    for (const id of [...peers.keys()]) drop(id);
    for (const track of stream?.getTracks() || []) track.stop();
    stream = null;
    setState("ended");
    ended = true;
    mute.disabled = true;
    camera.disabled = true;
    hangUp.disabled = true;
    status.focus?.();
    if (notify) onHangUp();
  }

  begin();
  return {
    el,
    finish,
    destroy() {
      finish(true, false); // leaving the page leaves the call; only "Lägg på" ends the meeting for staff
      offs.forEach((off) => off());
    },
  };
}

async function iceServers(ctx) {
  try {
    return (await ctx.api.get("/video/ice-servers")).ice_servers;
  } catch {
    return []; // local browsers on one machine connect with host candidates
  }
}

const START_REQUEST = "nara.video.start"; // sessionStorage: {case_id, at} — "start video when this case opens"
const START_REQUEST_FRESH_MS = 60 * 1000;

/** Tidbok's "Öppna ärendet och starta video": ask the case page that opens next to start the meeting at once. */
export function requestVideoStart(caseId) {
  try {
    sessionStorage.setItem(START_REQUEST, JSON.stringify({ case_id: caseId, at: Date.now() }));
  } catch {
    // no storage: the case opens and staff press "Starta videomöte" themselves
  }
}

/** Whether the case page just opened for this case should start its meeting (asked once: the request is used up). */
export function takeVideoStartRequest(caseId) {
  let request = null;
  try {
    request = JSON.parse(sessionStorage.getItem(START_REQUEST) || "null");
    sessionStorage.removeItem(START_REQUEST);
  } catch {
    return false;
  }
  return request?.case_id === caseId && Date.now() - Number(request.at) < START_REQUEST_FRESH_MS;
}

/** Staff: "Starta videomöte" and "Bjud in tolk" for a case; the call opens in place. Returns {el, start(), destroy}
 * (start() does what the button does: the case page calls it when opened from Tidbok to start the video). */
export function mountStaffVideo(ctx, caseId) {
  const base = `/staff/cases/${encodeURIComponent(caseId)}/video`;
  const headingId = uniqueId("video-start-heading");
  const messages = h("div");
  const start = h("button", { type: "button", class: "button-secondary video-start", t: "video.start" });
  const callSlot = h("div");
  const inviteSlot = h("div");
  const el = h("section", { class: "card video-panel", "aria-labelledby": headingId },
    h("h2", { id: headingId, t: "video.title" }), messages, start, inviteSlot, callSlot);
  let call = null;
  let meeting = null;

  async function startMeeting() {
    if (meeting || start.disabled) return;
    const realtime = ctx.realtime();
    clear(messages);
    if (!realtime) {
      add(messages, errorMessage(new ApiError({ code: "network", message: "no WebSocket" })));
      return;
    }
    start.disabled = true;
    bind(start, "video.starting");
    clear(messages);
    try {
      meeting = await ctx.api.post(base, undefined, { idempotent: true });
      const servers = await iceServers(ctx);
      start.hidden = true;
      const invite = h("button", { type: "button", class: "button-secondary video-invite",
        t: "video.inviteInterpreter", on: { click: () => inviteInterpreter(invite) } });
      clear(inviteSlot, invite);
      call = callView({ realtime, meetingId: meeting.meeting_id, iceServers: servers, nested: true,
        onHangUp: () => endMeeting() });
      clear(callSlot, call.el);
    } catch (error) {
      add(messages, errorMessage(error));
      start.disabled = false;
      bind(start, "video.start");
    }
  }
  start.addEventListener("click", startMeeting);

  async function inviteInterpreter(button) {
    button.disabled = true;
    try {
      // a retried request answers the same link; a new click makes a new one (e.g. for a second interpreter)
      const link = await ctx.api.post(`${base}/${encodeURIComponent(meeting.meeting_id)}/interpreter`, undefined,
        { idempotencyKey: newId() });
      const inputId = uniqueId("interpreter-link");
      const copied = h("p", { class: "hint", role: "status" });
      const input = h("input", { id: inputId, type: "text", readonly: true, class: "interpreter-link",
        value: link.url });
      const copy = h("button", { type: "button", class: "button-secondary", t: "video.copy", on: {
        click: async () => {
          input.select();
          try { await navigator.clipboard.writeText(link.url); } catch { document.execCommand?.("copy"); }
          bind(copied, "video.copied");
        } } });
      clear(inviteSlot, h("div", { class: "field" },
        h("label", { for: inputId, t: "video.interpreterLinkLabel" }),
        h("p", { class: "hint", t: "video.interpreterLink" }), input), copy, copied);
      input.focus();
    } catch (error) {
      add(inviteSlot, errorMessage(error));
      button.disabled = false;
    }
  }

  async function endMeeting() {
    if (!meeting) return;
    const ended = meeting;
    meeting = null;
    try {
      await ctx.api.post(`${base}/${encodeURIComponent(ended.meeting_id)}/end`, undefined, { idempotent: true });
    } catch (error) {
      add(messages, errorMessage(error));
    }
    clear(inviteSlot);
    start.hidden = false;
    start.disabled = false;
    bind(start, "video.start");
  }

  return {
    el,
    start: startMeeting,
    destroy() {
      call?.destroy();
    },
  };
}

/** Citizen: a join prompt on the case page while staff hold a meeting (asked on load, then by push). */
export function mountCitizenVideo(ctx, caseId) {
  const el = h("div", { class: "video-slot" });
  const realtime = ctx.realtime();
  let call = null;
  let shown = null;
  let destroyed = false;

  function prompt(meeting) {
    if (destroyed || call || shown === meeting.meeting_id) return;
    shown = meeting.meeting_id;
    const headingId = uniqueId("video-prompt-heading");
    const join = h("button", { type: "button", class: "button video-join", t: "video.join" });
    const card = h("section", { class: "card video-prompt", "aria-labelledby": headingId },
      h("h2", { id: headingId, t: "video.title" }), h("p", { t: "video.prompt" }), join);
    join.addEventListener("click", async () => {
      join.disabled = true;
      const servers = await iceServers(ctx);
      call = callView({ realtime, meetingId: meeting.meeting_id, iceServers: servers,
        onHangUp: () => { call = null; } });
      clear(el, call.el);
    });
    clear(el, card);
  }

  function gone(meetingId) {
    if (shown !== meetingId) return;
    if (call) call.finish(false);
    else clear(el);
    shown = null;
    call = null;
  }

  const offs = realtime ? [
    realtime.on("video", (push) => {
      if (push.case_id !== caseId) return;
      if (push.state === "started") prompt(push);
      else gone(push.meeting_id);
    }),
  ] : [];
  ctx.api.get(`/citizen/cases/${encodeURIComponent(caseId)}/video`)
    .then((body) => { if (body.meeting) prompt(body.meeting); })
    .catch((error) => console.warn("video meeting unavailable", error));

  return {
    el,
    destroy() {
      destroyed = true;
      call?.destroy();
      offs.forEach((off) => off());
    },
  };
}

const INTERPRETER_SESSION = "nara.interpreter";

/** The interpreter's page (frontend/shared/interpreter.html): the one-time link's token (in the fragment) is
 * exchanged for a session that reaches this meeting only; a used or expired link gets a clear refusal. */
export async function interpreterPage({ main = document.getElementById("main"), config = window.NARA_CONFIG || {} } = {}) {
  initI18n();
  const switcher = document.getElementById("lang-switch");
  if (switcher) mountLanguageSwitch(switcher);
  const api = createApi({ base: config.apiBase || "/api" });
  const token = decodeURIComponent(location.hash.replace(/^#/, ""));
  if (token) history.replaceState(null, "", location.pathname); // the token is single-use: keep it out of history
  let session = null;
  try {
    session = token ? await api.post("/video/interpreter/session", { token }) : JSON.parse(
      sessionStorage.getItem(INTERPRETER_SESSION) || "null");
  } catch (error) {
    if (error?.status !== 404 && error?.status !== 422) {
      clear(main, h("h1", { tabindex: "-1", t: "interpreter.title" }), errorMessage(error));
      return;
    }
  }
  if (!session) {
    main.dataset.state = "refused";
    const heading = h("h1", { tabindex: "-1", t: "interpreter.refused" });
    clear(main, heading, h("p", { class: "notice notice-error", role: "alert",
      t: token ? "interpreter.refusedHelp" : "interpreter.missing" }));
    heading.focus();
    return;
  }
  try {
    sessionStorage.setItem(INTERPRETER_SESSION, JSON.stringify(session));
  } catch {
    // not kept: a reload needs a new link
  }
  let servers = [];
  const realtime = new Realtime({
    url: config.wsUrl,
    getTicket: () => api.post("/video/interpreter/ws-ticket", undefined,
      { headers: { "X-Interpreter-Session": session.session } }).then((body) => {
      servers = body.ice_servers;
      return body.ticket;
    }),
  });
  const opened = new Promise((resolve) => { const off = realtime.on("open", () => { off(); resolve(); }); });
  realtime.start();
  const heading = h("h1", { tabindex: "-1", t: "interpreter.title" });
  clear(main, heading, h("p", { t: "interpreter.lead" }));
  heading.focus();
  await opened;
  const call = callView({ realtime, meetingId: session.meeting_id, iceServers: servers,
    onHangUp: () => realtime.stop() });
  add(main, call.el);
  realtime.on("video", (push) => {
    if (push.meeting_id === session.meeting_id && push.state === "ended") realtime.stop();
  });
}

if (document.body?.dataset.page === "interpreter") interpreterPage();
