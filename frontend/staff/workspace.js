// Pågående ärenden: the cases I hold, each with its chat, side by side as tabs (the ARIA tabs pattern, vertical:
// arrow keys, Home and End move between them). All chats stay mounted, so each tab's unread counter stays live; only
// the chosen one is shown (and only that one marks messages read). The list follows mycases.js: a case I claim
// elsewhere appears without a reload, one I close, release, hand over or refer leaves.

import { clear, h, priorityBadge, uniqueId } from "/shared/dom.js";
import { bind } from "/shared/i18n.js";
import { mountChat } from "/shared/chat.js";
import { attachPicker, firstName } from "./chattools.js";
import { rememberSelf } from "./handling.js";
import { currentMyCases, followMyCases, onMyCases } from "./mycases.js";
import "./staff-strings.js";
import { timeLeft } from "./timeleft.js";

/** What a tab and its heading show (the time left counts down by itself, from the first answer). */
function shownFields(e) {
  return JSON.stringify([e.reason, e.priority, e.profession, e.unit_id, e.age_band, firstName(e), e.deadline]);
}

export async function workspaceView(ctx, wantedId = null) {
  ctx.setTitle("ongoing.title");
  const [me, units] = await Promise.all([ctx.me(), ctx.units()]);
  rememberSelf(ctx, me?.hsa_id);

  const headingId = uniqueId("ongoing-heading");
  const heading = h("h1", { id: headingId, tabindex: "-1", t: "ongoing.title" });
  const announce = h("p", { class: "visually-hidden", role: "status" });
  const error = h("div");
  const empty = h("div", { class: "card empty", hidden: true },
    h("p", { t: "ongoing.empty" }),
    h("p", {}, h("a", { href: "#/ko", t: "ongoing.toQueue" })));
  const tablist = h("div", { role: "tablist", class: "ws-tabs", "aria-orientation": "vertical",
    attrs: { "aria-label": "ongoing.tabsLabel" } });
  const panels = h("div", { class: "ws-panels" });
  const layout = h("div", { class: "workspace", hidden: true }, tablist, panels);
  ctx.main.append(heading, h("p", { class: "lead", t: "ongoing.lead" }), announce, error, empty, layout);

  const open = new Map(); // case_id -> {entry, tab, panel, chat, unread, fallback, picker, ...}
  let selected = null;
  let first = true;

  function tabLabel(item) {
    const e = item.entry;
    const name = firstName(e);
    clear(item.title, name ? [h("span", { class: "ws-name" }, name), " · "] : null, e.reason);
    clear(item.meta, priorityBadge(e.priority), " ", timeLeft(e.seconds_left));
  }

  function showUnread(item, n) {
    item.unread = Math.max(0, n || 0);
    item.unreadEl.hidden = item.unread === 0;
    bind(item.unreadEl, "ongoing.unread", { n: item.unread });
    item.tab.dataset.unread = String(item.unread);
  }

  function add(entry) {
    const id = entry.case_id;
    const tabId = uniqueId("ws-tab");
    const panelId = uniqueId("ws-panel");
    const item = { entry, unread: 0, fallbackCounting: false, destroyed: false };
    item.title = h("span", { class: "ws-tab-title" });
    item.meta = h("span", { class: "ws-tab-meta" });
    item.unreadEl = h("span", { class: "unread", hidden: true });
    item.tab = h("button", { type: "button", role: "tab", id: tabId, class: "ws-tab", "aria-selected": "false",
      "aria-controls": panelId, tabindex: "-1", dataset: { caseId: id } }, item.title, item.meta, item.unreadEl);
    item.tab.addEventListener("click", () => select(id, { focusTab: false }));
    item.head = h("div", { class: "ws-panel-head" });
    const chatArea = h("div", { class: "ws-chat" });
    item.panel = h("div", { role: "tabpanel", id: panelId, class: "ws-panel", "aria-labelledby": tabId, hidden: true,
      dataset: { caseId: id } }, item.head, chatArea);
    drawHead(item);
    tabLabel(item);
    open.set(id, item);
    tablist.append(item.tab);
    panels.append(item.panel);

    item.chat = mountChat(chatArea, {
      ctx, caseId: id, emptyKey: "chat.emptyStaff", readOnly: false, visible: false,
      onUnread: (n) => showUnread(item, n),
      onEvent: (m) => {
        // the chat has no unread counting of its own (older chat.js): count the patient's messages while hidden
        if (!item.fallbackCounting || m.sender_kind !== "citizen" || item.panel.hidden) return;
        showUnread(item, item.unread + 1);
      },
    });
    item.fallbackCounting = typeof item.chat.setVisible !== "function";
    item.picker = attachPicker(ctx, entry, item.chat.textarea || chatArea.querySelector("textarea"))
      .catch((e) => {
        console.warn("phrase templates unavailable", e);
        return () => {};
      })
      .then((cleanup) => {
        if (item.destroyed) cleanup();
        return cleanup;
      });
  }

  function drawHead(item) {
    const e = item.entry;
    const name = firstName(e);
    clear(item.head,
      h("h2", { class: "ws-panel-title" }, name ? `${name} – ${e.reason}` : e.reason),
      h("p", { class: "ws-panel-meta" }, priorityBadge(e.priority), " ", timeLeft(e.seconds_left),
        e.age_band ? [" ", h("span", { class: "age-band", t: "patient.years", vars: { band: e.age_band } })] : null,
        " ", h("span", { class: "hint" }, units.get(e.unit_id)?.name || e.unit_id)),
      h("p", {}, h("a", { href: `#/arenden/${encodeURIComponent(e.case_id)}`, t: "ongoing.openCase" })));
  }

  function remove(id) {
    const item = open.get(id);
    if (!item) return;
    const order = shownOrder();
    const index = order.indexOf(id);
    const hadFocus = item.tab.contains(document.activeElement) || item.panel.contains(document.activeElement);
    item.destroyed = true;
    item.chat.destroy();
    item.picker.then((cleanup) => cleanup());
    item.tab.remove();
    item.panel.remove();
    open.delete(id);
    bind(announce, "ongoing.left", { reason: item.entry.reason });
    if (selected === id) {
      selected = null;
      const next = order[index + 1] || order[index - 1];
      if (next && open.has(next)) select(next, { focusTab: hadFocus });
      else if (hadFocus) heading.focus();
    }
  }

  function shownOrder() {
    return [...tablist.children].map((tab) => tab.dataset.caseId);
  }

  function select(id, { focusTab = false } = {}) {
    if (!open.has(id)) return;
    selected = id;
    for (const [caseId, item] of open) {
      const on = caseId === id;
      item.tab.setAttribute("aria-selected", String(on));
      item.tab.tabIndex = on ? 0 : -1;
      item.panel.hidden = !on;
      item.chat.setVisible?.(on);
      if (on && item.fallbackCounting) showUnread(item, 0);
    }
    if (focusTab) open.get(id).tab.focus();
    history.replaceState(null, "", `#/pagaende/${encodeURIComponent(id)}`);
  }

  tablist.addEventListener("keydown", (event) => {
    const ids = shownOrder();
    const at = ids.indexOf(document.activeElement?.closest?.("[role=tab]")?.dataset.caseId);
    if (at < 0) return;
    const moves = {
      ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1, Home: 0, End: ids.length - 1,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    select(ids[(moves[event.key] + ids.length) % ids.length], { focusTab: true });
  });

  function sync({ cases, error: failure }) {
    if (failure && !cases) {
      clear(error, h("p", { class: "error", role: "alert", t: "ongoing.loadFailed" }));
      return;
    }
    clear(error);
    if (!cases) return;
    const wanted = new Map(cases.map((c) => [c.case_id, c]));
    for (const id of [...open.keys()]) if (!wanted.has(id)) remove(id);
    for (const entry of cases) {
      const item = open.get(entry.case_id);
      if (item) {
        const before = shownFields(item.entry);
        item.entry = entry;
        if (shownFields(entry) !== before) { // redrawn only when it changed: a redraw would move focus away
          tabLabel(item);
          drawHead(item);
        }
      } else {
        add(entry);
        if (!first) bind(announce, "ongoing.added", { reason: entry.reason });
      }
    }
    // the tabs in the server's order (most urgent first); moved only when that changed (moving blurs)
    const shown = shownOrder();
    if (cases.some((c, i) => shown[i] !== c.case_id)) {
      const focused = document.activeElement;
      for (const entry of cases) {
        const item = open.get(entry.case_id);
        tablist.append(item.tab);
      }
      if (tablist.contains(focused)) focused.focus();
    }
    empty.hidden = open.size > 0;
    layout.hidden = open.size === 0;
    if (!selected || !open.has(selected)) {
      const pick = first && wantedId && open.has(wantedId) ? wantedId : cases[0]?.case_id;
      if (pick) select(pick);
    } else if (first) {
      select(selected);
    }
    first = false;
  }

  const off = onMyCases(sync);
  await followMyCases(ctx);
  if (currentMyCases() === null) sync({ cases: null, error: true });
  return () => {
    off();
    for (const id of [...open.keys()]) {
      const item = open.get(id);
      item.destroyed = true;
      item.chat.destroy();
      item.picker.then((cleanup) => cleanup());
    }
    open.clear();
  };
}
