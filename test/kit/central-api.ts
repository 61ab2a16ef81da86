// A JSON call to Central's API as a test makes it: bearer token, JSON body, and an assertion that
// the answer is 2xx (naming the path, status and body when it is not).
import assert from 'node:assert/strict';

export type CentralApi = <T>(path: string, init?: RequestInit) => Promise<T>;

/** Calls against the Central at `baseUrl()` (read at each call: tests learn it in before()). */
export function centralApi(baseUrl: () => string, token: string): CentralApi {
  return async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${baseUrl()}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
    return (await response.json()) as T;
  };
}
