// The WebSocket: reconnects with exponential backoff (with jitter) and tells subscribers each time it is open
// again, so they can resync by sequence number — pushes are best effort, the REST API is the truth.
// Every (re)connect opens with a fresh single-use ticket (getTicket), so no session token ever sits in a URL.
//
// Events: "status" ("connecting" | "open" | "closed" | "stopped"), "open" (after every (re)connect),
// "message" (a chat message), and any other server push by its "type".

export class Realtime {
  constructor({ url, getTicket, minDelayMs = 1000, maxDelayMs = 30000, pingEveryMs = 25000,
    WebSocketImpl = globalThis.WebSocket } = {}) {
    this.url = url;
    this.getTicket = getTicket;
    this.minDelayMs = minDelayMs;
    this.maxDelayMs = maxDelayMs;
    this.pingEveryMs = pingEveryMs;
    this.WebSocketImpl = WebSocketImpl;
    this.status = "stopped";
    this.failures = 0;
    this.listeners = new Map();
    this.socket = null;
    this.reconnectTimer = null;
    this.pingTimer = null;
    this.onOnline = () => this.reconnectNow();
  }

  on(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(listener);
    return () => this.listeners.get(type)?.delete(listener);
  }

  emit(type, data) {
    for (const listener of this.listeners.get(type) || []) {
      try {
        listener(data);
      } catch (error) {
        console.error(error); // one broken subscriber must not stop the others
      }
    }
  }

  setStatus(status) {
    this.status = status;
    this.emit("status", status);
  }

  start() {
    if (this.status !== "stopped") return this;
    window.addEventListener("online", this.onOnline);
    this.connect();
    return this;
  }

  stop() {
    window.removeEventListener("online", this.onOnline);
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000);
    }
    this.setStatus("stopped");
  }

  async connect() {
    this.setStatus("connecting");
    let ticket;
    try {
      ticket = await this.getTicket();
    } catch {
      // no ticket: offline, or the session ended (then the app has stopped us already)
      if (this.status === "connecting") this.closed();
      return;
    }
    if (this.status !== "connecting") return; // stopped meanwhile
    const separator = this.url.includes("?") ? "&" : "?";
    const socket = new this.WebSocketImpl(`${this.url}${separator}ticket=${encodeURIComponent(ticket)}`);
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0;
      this.setStatus("open");
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ action: "ping" }), this.pingEveryMs);
      this.emit("open");
    };
    socket.onmessage = (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (data?.type === "message" && data.message) this.emit("message", data.message);
      else if (data?.type) this.emit(data.type, data);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      clearInterval(this.pingTimer);
      this.socket = null;
      this.closed();
    };
  }

  closed() {
    this.setStatus("closed");
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    const ceiling = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** this.failures);
    this.failures += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.status !== "closed") return;
    clearTimeout(this.reconnectTimer);
    this.failures = 0;
    this.connect();
  }

  send(data) {
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(data));
  }
}
