// The console's only way to the public API (/api/v1), and where the tokens live.
//
// The access token is kept in memory only. The refresh token is kept in sessionStorage, so a
// reload of this tab stays signed in and closing the tab forgets it; see docs/CONSOLE.md.

import { sleep } from "./dom.js";

const BASE = "/api/v1";
const REFRESH_KEY = "nestegg.refresh_token";
const MAX_RETRY_AFTER_S = 10;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  get errors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

function readStoredRefresh() {
  try {
    return sessionStorage.getItem(REFRESH_KEY);
  } catch {
    return null; // storage disabled: the session then lasts as long as the page
  }
}

export class Api {
  constructor() {
    this.accessToken = null;
    this.memoryRefresh = null;
    this.refreshing = null; // one refresh at a time: a reused refresh token revokes the family
    this.onSignedOut = () => {};
  }

  get refreshToken() {
    return readStoredRefresh() ?? this.memoryRefresh;
  }

  get signedIn() {
    return this.accessToken !== null;
  }

  keep(tokens) {
    this.accessToken = tokens.access_token;
    this.memoryRefresh = tokens.refresh_token;
    try {
      sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
    } catch {
      // memoryRefresh is enough for this page's lifetime
    }
  }

  forget() {
    this.accessToken = null;
    this.memoryRefresh = null;
    try {
      sessionStorage.removeItem(REFRESH_KEY);
    } catch {
      // nothing stored
    }
  }

  async register(email, password) {
    await this.send("POST", "/auth/register", { body: { email, password }, auth: false });
  }

  async login(email, password) {
    const { data } = await this.send("POST", "/auth/login", {
      body: { email, password },
      auth: false,
    });
    this.keep(data);
  }

  async logout() {
    const token = this.refreshToken;
    this.forget();
    if (token) {
      try {
        await this.send("POST", "/auth/logout", { body: { refresh_token: token }, auth: false });
      } catch {
        // signed out here either way; the token expires on its own
      }
    }
  }

  // Get a new token pair with the stored refresh token; false when there is none or it failed.
  async refresh() {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        const token = this.refreshToken;
        if (!token) return false;
        try {
          const { data } = await this.send("POST", "/auth/refresh", {
            body: { refresh_token: token },
            auth: false,
          });
          this.keep(data);
          return true;
        } catch (err) {
          if (err instanceof ApiError && err.status === 401) this.forget();
          return false;
        }
      })().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  // Send one request; answers {status, data, etag}; throws ApiError for 4xx/5xx or no network.
  async send(method, path, { body, headers = {}, auth = true, retried = false } = {}) {
    const init = { method, headers: { Accept: "application/json", ...headers } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (auth) {
      if (!this.accessToken && !(await this.refresh())) throw this.signedOut();
      init.headers.Authorization = `Bearer ${this.accessToken}`;
    }
    let response;
    try {
      response = await fetch(BASE + path, init);
    } catch {
      throw new ApiError(0, {
        title: "Network error",
        detail: "The server could not be reached. Check your connection and try again.",
      });
    }
    if (auth && response.status === 401 && !retried) {
      this.accessToken = null; // expired: refresh once and try again
      if (await this.refresh()) return this.send(method, path, { body, headers, auth, retried: true });
      throw this.signedOut();
    }
    const retryAfter = Number(response.headers.get("Retry-After"));
    if (response.status === 429 && !retried && retryAfter > 0 && retryAfter <= MAX_RETRY_AFTER_S) {
      await sleep(retryAfter * 1000);
      return this.send(method, path, { body, headers, auth, retried: true });
    }
    const data = await readBody(response);
    if (!response.ok) {
      throw new ApiError(response.status, data && typeof data === "object" ? data : {});
    }
    return { status: response.status, data, etag: response.headers.get("ETag") };
  }

  signedOut() {
    this.forget();
    this.onSignedOut();
    return new ApiError(401, { title: "Signed out", detail: "Your session has ended. Please log in again." });
  }

  get(path) {
    return this.send("GET", path).then((r) => r.data);
  }

  // Every item of a paginated collection, following next_cursor.
  async all(path) {
    const items = [];
    let cursor = null;
    do {
      const query = new URLSearchParams({ limit: "200" });
      if (cursor) query.set("cursor", cursor);
      const page = await this.get(`${path}?${query}`);
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }
}

async function readBody(response) {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text };
  }
}
