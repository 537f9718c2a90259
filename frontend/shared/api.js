// The REST client: base URL from config, bearer token, the server's JSON errors as ApiError, and retries.
// Only idempotent requests are retried: GETs, and POSTs that carry an Idempotency-Key header or a client-made id
// (the caller says so with `idempotent: true`). A retry reuses the same key, so the server answers it with the
// first result instead of acting twice.

const RETRY_STATUSES = new Set([502, 503, 504]);

export class ApiError extends Error {
  /** code is the server's error code, or "network" when no answer came back; messageSv is the server's Swedish
   * text (message_sv) where a citizen may meet the error. */
  constructor({ status = 0, code = "network", message = "", messageSv = null, field = null } = {}) {
    super(message || code);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.messageSv = messageSv;
    this.field = field;
  }

  get isNetwork() {
    return this.code === "network";
  }
}

/** A random id for idempotency keys and chat client ids. */
export function newId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; plain-http dev hosts other than localhost still get random ids
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function createApi({ base, getToken = () => null, onUnauthenticated = () => {}, retries = 3,
  backoffMs = 300, fetchImpl = (...args) => fetch(...args) }) {
  const root = base.replace(/\/$/, "");

  async function request(method, path, { body, query, idempotencyKey, idempotent, headers = {} } = {}) {
    const url = new URL(root + path, location.origin);
    for (const [name, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
    }
    const init = { method, headers: { Accept: "application/json", ...headers } };
    const token = getToken();
    if (token) init.headers.Authorization = `Bearer ${token}`;
    if (idempotencyKey) init.headers["Idempotency-Key"] = idempotencyKey;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const retryable = method === "GET" || Boolean(idempotencyKey) || Boolean(idempotent);

    for (let attempt = 0; ; attempt += 1) {
      let response;
      try {
        response = await fetchImpl(url, init);
      } catch {
        if (retryable && attempt < retries) {
          await sleep(backoffMs * 2 ** attempt);
          continue;
        }
        throw new ApiError();
      }
      if (RETRY_STATUSES.has(response.status) && retryable && attempt < retries) {
        await sleep(backoffMs * 2 ** attempt);
        continue;
      }
      return readResponse(response);
    }
  }

  async function readResponse(response) {
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (response.ok) return data;
    const error = data?.error || {};
    if (response.status === 401) onUnauthenticated();
    throw new ApiError({
      status: response.status,
      code: error.code || `http_${response.status}`,
      message: error.message || "",
      messageSv: error.message_sv || null,
      field: error.field || null,
    });
  }

  return {
    request,
    get: (path, options) => request("GET", path, options),
    post: (path, body, options = {}) => request("POST", path, { ...options, body }),
    patch: (path, body, options = {}) => request("PATCH", path, { ...options, body }),
    delete: (path, options) => request("DELETE", path, options),
  };
}
