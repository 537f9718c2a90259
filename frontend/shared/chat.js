// The chat of one case, used by both frontends: history, live messages, and a send box.
// Messages are kept by sequence number. Pushes may be lost or arrive twice, so the chat dedupes by seq and
// resyncs (GET messages?after=<last contiguous seq>) on load, after every reconnect, on a gap, and when the
// tab becomes visible again. Each sent message has a client id, reused on retry, so it is never stored twice.

import { newId } from "./api.js";
import { bind } from "./i18n.js";
import { clear, errorMessage, h, timeEl, uniqueId } from "./dom.js";

const NEAR_BOTTOM_PX = 80;

/** readOnly: a closed case shows its messages but offers no input. onEvent(m) hears this case's pushes. */
export function mountChat(container, { ctx, caseId, emptyKey, readOnly = false, onEvent = null }) {
  const path = `/cases/${encodeURIComponent(caseId)}/messages`;
  const messages = new Map(); // seq -> message
  const pending = new Map(); // client_id -> {text, state: "sending" | "failed", error, el}
  let contiguous = 0; // every seq up to this one is here
  let syncing = null;
  let syncAgain = false;
  let destroyed = false;

  const ids = { heading: uniqueId("chat-heading"), text: uniqueId("chat-text"), hint: uniqueId("chat-hint") };
  const live = h("span", { class: "live-status", hidden: true });
  const list = h("ol", { class: "chat-list" });
  const empty = h("p", { class: "chat-empty", t: emptyKey });
  const scroller = h("div", { class: "chat-log", role: "log", tabindex: "0", attrs: { "aria-label": "chat.log" } },
    empty, list);
  const textarea = h("textarea", { id: ids.text, name: "text", rows: "3", maxlength: "4000",
    "aria-describedby": ids.hint });
  const formError = h("div", { class: "form-error" });
  const sendButton = h("button", { type: "submit", class: "button", t: "chat.send" });
  const form = h("form", { class: "chat-form", novalidate: true },
    h("label", { for: ids.text, t: "chat.label" }),
    textarea,
    h("p", { id: ids.hint, class: "hint", t: "chat.hint" }),
    formError,
    sendButton);
  const section = h("section", { class: "card chat", "aria-labelledby": ids.heading },
    h("div", { class: "chat-head" }, h("h2", { id: ids.heading, t: "chat.title" }), live),
    scroller, readOnly ? h("p", { class: "hint", t: "chat.readOnly" }) : form);
  container.append(section);

  const isOwn = (m) => m.sender_kind === ctx.kind && (ctx.kind === "citizen" || m.sender_name === ctx.session.name);

  function messageItem({ own, sender, sentAt, text }) {
    const meta = h("p", { class: "msg-meta" },
      own ? h("span", { class: "msg-sender", t: "chat.you" }) : h("span", { class: "msg-sender" }, sender));
    if (sentAt) meta.append(" · ", timeEl(sentAt, "fmt.time"));
    return h("li", { class: `msg ${own ? "msg-own" : "msg-other"}` }, meta, h("p", { class: "msg-text" }, text));
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
      text: message.text });
    item.dataset.seq = String(message.seq);
    const later = [...list.children].find((li) => !li.dataset.seq || Number(li.dataset.seq) > message.seq);
    list.insertBefore(item, later || null);
    while (messages.has(contiguous + 1)) contiguous += 1;
    afterChange(stick);
    if (message.seq > contiguous + 1) resync(); // a push overtook one we never got
  }

  function resync() {
    if (destroyed) return Promise.resolve();
    if (syncing) {
      syncAgain = true;
      return syncing;
    }
    syncing = ctx.api.get(path, { query: contiguous ? { after: contiguous } : {} })
      .then((body) => { if (!destroyed) body.messages.forEach(upsert); })
      .finally(() => {
        syncing = null;
        if (syncAgain) {
          syncAgain = false;
          resync();
        }
      });
    return syncing;
  }

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

  async function send(clientId) {
    const p = pending.get(clientId);
    p.state = "sending";
    renderPending(clientId);
    afterChange(true);
    try {
      upsert(await ctx.api.post(path, { text: p.text, client_id: clientId }, { idempotent: true }));
    } catch (error) {
      if (!pending.has(clientId) || destroyed) return;
      p.state = "failed";
      p.error = error;
      renderPending(clientId);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clear(formError);
    textarea.removeAttribute("aria-invalid");
    const text = textarea.value.trim();
    if (!text) {
      textarea.setAttribute("aria-invalid", "true");
      formError.append(h("p", { class: "error", role: "alert", t: "chat.errEmpty" }));
      textarea.focus();
      return;
    }
    const clientId = newId();
    pending.set(clientId, { text, state: "sending", el: null });
    textarea.value = "";
    send(clientId);
    textarea.focus();
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

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
      realtime.on("open", () => resync().catch(() => {})),
    );
  }
  const onVisible = () => { if (document.visibilityState === "visible") resync().catch(() => {}); };
  document.addEventListener("visibilitychange", onVisible);

  const loaded = resync().catch((error) => { scroller.prepend(errorMessage(error)); });

  return {
    loaded,
    destroy() {
      destroyed = true;
      unsubscribe.forEach((fn) => fn());
      document.removeEventListener("visibilitychange", onVisible);
    },
  };
}
