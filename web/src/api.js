// The page's only contact with heapd: GET requests to its JSON API, with
// the bearer token the user gave (kept for this tab only).
const TOKEN_KEY = 'heapd.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

// A token in the address's fragment (#token=...) is taken once: the
// fragment never reaches the server.
export function tokenFromFragment() {
  const match = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (match) {
    setToken(decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function getJson(path) {
  const headers = {};
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const response = await fetch(path, { headers, cache: 'no-store' });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = body.error || {};
    throw new ApiError(response.status, error.code || String(response.status),
      error.message || response.statusText);
  }
  return body;
}
