// The dashboard's only way to the cluster: the public REST API under /api/v1, with HTTP Basic
// credentials of an admin user or API key.
//
// Where the credentials come from, in this order:
//  1. the address itself (http://user:pass@host:8080/dashboard/...), read once and then removed
//     from the address bar;
//  2. the sign-in form, kept in this tab's sessionStorage until sign-out or the tab closes;
//  3. the browser's own Basic credentials ("browser" mode): requests go without an Authorization
//     header and the browser answers the API's challenge with what it has, or its dialog.

const STORAGE_KEY = 'kmqtt.dashboard.auth';

export class ApiError extends Error {
  constructor(status, message, detail) {
    super(message);
    this.status = status;
    this.detail = detail;
  }
}

let session = null; // {mode: 'basic'|'browser', header, username, role}
const listeners = new Set();

/** Called with no argument when the session ends (sign-out or credentials refused). */
export function onSignedOut(listener) {
  listeners.add(listener);
}

export function currentUser() {
  return session;
}

export function isAdmin() {
  return session?.role === 'administrator';
}

function basicHeader(username, password) {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  bytes.forEach((b) => { binary += String.fromCharCode(b); });
  return 'Basic ' + btoa(binary);
}

/** Credentials written in the address (user:pass@host), or null. The address bar loses them. */
function credentialsFromAddress() {
  const url = new URL(document.URL);
  if (!url.username) {
    return null;
  }
  const found = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  url.username = '';
  url.password = '';
  try {
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  } catch (e) {
    // some browsers refuse to rewrite an address with credentials; it keeps working as it is
  }
  return found;
}

/** Restores a session from the address or this tab's storage; resolves to the user or null. */
export async function resume() {
  const fromAddress = credentialsFromAddress();
  if (fromAddress) {
    try {
      return await signIn(fromAddress.username, fromAddress.password);
    } catch (e) {
      sessionStorage.removeItem(STORAGE_KEY);
      throw e;
    }
  }
  const stored = sessionStorage.getItem(STORAGE_KEY);
  if (!stored) {
    return null;
  }
  const saved = JSON.parse(stored);
  try {
    return await establish(saved.mode, saved.header);
  } catch (e) {
    sessionStorage.removeItem(STORAGE_KEY);
    if (e.status === 401) {
      return null;
    }
    throw e;
  }
}

/** Signs in with an admin user (or API key) and password; rejects with an ApiError. */
export function signIn(username, password) {
  return establish('basic', basicHeader(username, password));
}

/** Lets the browser authenticate (its stored credentials, or its own dialog). */
export function signInWithBrowser() {
  return establish('browser', null);
}

async function establish(mode, header) {
  const me = await request('GET', '/whoami', { mode, header });
  session = { mode, header, username: me.username, role: me.role };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ mode, header }));
  return session;
}

export function signOut() {
  const wasBrowser = session?.mode === 'browser';
  session = null;
  sessionStorage.removeItem(STORAGE_KEY);
  if (wasBrowser) {
    // Replace what the browser remembers with credentials that fail, the usual way to forget Basic auth.
    request('GET', '/whoami', { mode: 'basic', header: basicHeader('signed-out', 'x') }).catch(() => {});
  }
  listeners.forEach((l) => l());
}

/** GET /api/v1{path}?{query}; resolves to the parsed JSON body (null for 204). */
export function get(path, query) {
  return call('GET', path, { query });
}

export function post(path, body, query) {
  return call('POST', path, { body, query });
}

export function put(path, body) {
  return call('PUT', path, { body });
}

export function del(path, query) {
  return call('DELETE', path, { query });
}

async function call(method, path, options) {
  if (!session) {
    throw new ApiError(401, 'You are signed out. Sign in again.');
  }
  try {
    return await request(method, path, { ...options, mode: session.mode, header: session.header });
  } catch (e) {
    if (e.status === 401) {
      signOut();
    }
    throw e;
  }
}

async function request(method, path, { query, body, mode, header }) {
  // Built on the origin, never on document.URL: an address with user:pass@ makes fetch refuse relative URLs.
  const url = new URL('/api/v1' + path, location.origin);
  Object.entries(query || {}).forEach(([k, v]) => {
    if (v !== undefined && v !== null && v !== '') {
      url.searchParams.set(k, v);
    }
  });
  const headers = { Accept: 'application/json' };
  if (mode === 'basic') {
    headers.Authorization = header;
    // a wrong password shows our message, not the browser's dialog (the API then sends no challenge)
    headers['X-Requested-With'] = 'XMLHttpRequest';
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: mode === 'browser' ? 'same-origin' : 'omit', cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, `The admin API at ${location.origin} did not answer (${e.message}). Is the broker running, and is this the right address?`);
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch (e) {
      json = null;
    }
  }
  if (!response.ok) {
    const detail = json?.message || text || response.statusText;
    throw new ApiError(response.status, explain(response.status, detail, method), detail);
  }
  return json;
}

/** What a person can do about each failure. */
function explain(status, detail, method) {
  switch (status) {
    case 400:
      return `The request was refused: ${detail}. Correct the field and try again.`;
    case 401:
      return 'The user name or password is wrong, or the account was removed or its key expired. Sign in again.';
    case 403:
      return method === 'GET'
        ? `This account may not see this: ${detail}.`
        : `Your account may only read (${detail}). Ask an administrator to make this change, or sign in as one.`;
    case 404:
      return `Not found: ${detail}. It may have disconnected or been deleted meanwhile; go back to the list and refresh.`;
    case 409:
      return `Not possible right now: ${detail}.`;
    case 502:
      return `The auth-service did not answer (${detail}). Check that it runs and that ADMIN_AUTH_SERVICE_URL points to it.`;
    case 503:
      return `The cluster could not do this now: ${detail}. Kafka, Redis or the auth-service may be down or starting; try again in a few seconds.`;
    default:
      return `The admin API answered ${status}: ${detail}`;
  }
}
