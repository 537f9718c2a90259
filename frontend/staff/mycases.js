// The cases the logged-in staff member holds (GET /staff/my-cases), kept for the whole app: the header's
// "Pågående (n)" and the workspace both listen to it. It is fetched again when a "case" push concerns one of these
// cases or says a case is now claimed by me (Ta ärende here or in another tab, a rejected referral coming back),
// after every reconnect, and every 30 s while the WebSocket is down. The REST answer is the truth.

const FALLBACK_MS = 30_000;
const listeners = new Set();
let state = null;

/** Listens to the list ({cases, error}); returns the unsubscribe. */
export function onMyCases(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The list as last fetched (null before the first answer). */
export function currentMyCases() {
  return state?.cases || null;
}

/** Starts (or continues) following the logged-in staff member's cases and fetches them again now. */
export function followMyCases(ctx) {
  if (!ctx.session.token) return Promise.resolve();
  if (!state || state.token !== ctx.session.token) reset(ctx);
  wire(ctx);
  return refreshMyCases();
}

/** Fetches the list again; one request at a time (a call meanwhile asks for one more afterwards). */
export function refreshMyCases() {
  const s = state;
  if (!s) return Promise.resolve();
  if (s.loading) {
    s.again = true;
    return s.loading;
  }
  s.loading = s.api.get("/staff/my-cases")
    .then((body) => {
      if (state !== s) return;
      s.cases = body?.cases || [];
      s.error = null;
      emit();
    }, (error) => {
      if (state !== s) return;
      s.error = error;
      emit();
    })
    .finally(() => {
      s.loading = null;
      if (s.again && state === s) {
        s.again = false;
        refreshMyCases();
      }
    });
  return s.loading;
}

function emit() {
  for (const listener of listeners) {
    try {
      listener({ cases: state.cases, error: state.error });
    } catch (error) {
      console.error(error);
    }
  }
}

function reset(ctx) {
  if (state) {
    state.offs.forEach((off) => off());
    clearInterval(state.timer);
  }
  state = { token: ctx.session.token, api: ctx.api, cases: null, error: null, realtime: null, offs: [],
    loading: null, again: false, me: null, timer: null };
  const s = state;
  ctx.me().then((me) => { s.me = me?.hsa_id || null; }, () => {});
  s.timer = setInterval(() => {
    if (state === s && !document.hidden && s.realtime?.status !== "open") refreshMyCases();
  }, FALLBACK_MS);
}

function wire(ctx) {
  const realtime = ctx.realtime();
  if (!realtime || realtime === state.realtime) return;
  state.offs.forEach((off) => off());
  const s = state;
  s.realtime = realtime;
  s.offs = [
    realtime.on("case", (push) => {
      const c = push?.case;
      if (!c || state !== s) return;
      const mine = s.me && c.claimed_by === s.me;
      const held = (s.cases || []).some((x) => x.case_id === c.case_id);
      if (mine || held) refreshMyCases();
    }),
    realtime.on("open", () => { if (state === s) refreshMyCases(); }),
  ];
}
