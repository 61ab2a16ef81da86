// The console's one way to Central: fetch with the signed-in token, JSON in and out, and Central's
// error shape turned into ApiError (status, code, message) for the pages to show. Never a stack.

import { readToken, signOut } from './session.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string };
}

export async function apiRequest<T>(
  path: string,
  init: { method?: string; body?: unknown; token?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const token = init.token ?? readToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      ...(init.signal === undefined ? {} : { signal: init.signal }),
    });
  } catch {
    throw new ApiError(0, 'network', 'Central did not answer; check that it is running.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): the status decides what the user is told.
  }
  if (!response.ok) {
    const body = (json ?? {}) as ErrorBody;
    const message =
      body.error?.message ??
      (response.status >= 500 ? 'Central failed to answer this request.' : response.statusText);
    // A token that stopped working (revoked, expired) signs the user out of this tab.
    if (response.status === 401 && init.token === undefined) signOut();
    throw new ApiError(response.status, body.error?.code ?? `http-${response.status}`, message);
  }
  return json as T;
}

export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return 'Something went wrong while loading this view.';
}
