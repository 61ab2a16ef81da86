// Calls a Central's HTTP API from the CLI: `check --central` and the cluster commands. Bearer
// token from the flag or PALISADE_TOKEN; every call has a timeout; Central's JSON errors become
// PalisadeErrors that name Central and what it said.

import { PalisadeError } from '../model/index.ts';

export interface CentralTarget {
  readonly url: string;
  readonly token: string;
}

/** The target from flags and environment, or a usage error saying what is missing. */
export function centralTarget(url: string, token: string | undefined): CentralTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PalisadeError(
      'usage',
      `--central: '${url}' is not a URL (e.g. https://central:8443)`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new PalisadeError('usage', `--central: '${url}' must be an http or https URL`);
  const resolved = token ?? process.env['PALISADE_TOKEN'];
  if (resolved === undefined || resolved === '')
    throw new PalisadeError('usage', '--central needs an API token: --token or PALISADE_TOKEN');
  return { url: parsed.toString().replace(/\/$/, ''), token: resolved };
}

/** POSTs JSON to Central and returns the parsed answer; non-2xx answers are errors. */
export async function postToCentral<T>(
  target: CentralTarget,
  path: string,
  body: unknown,
  timeoutMs = 120_000,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${target.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : error instanceof Error && error.cause instanceof Error
          ? error.cause.message
          : String(error);
    throw new PalisadeError('central-unreachable', `Central at ${target.url}: ${reason}`, {
      cause: error,
    });
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PalisadeError(
      'central-invalid-response',
      `Central at ${target.url} answered ${response.status} with something that is not JSON`,
    );
  }
  if (!response.ok) {
    const message =
      typeof parsed === 'object' &&
      parsed !== null &&
      'error' in parsed &&
      typeof parsed.error === 'object' &&
      parsed.error !== null &&
      'message' in parsed.error
        ? String(parsed.error.message)
        : `HTTP ${response.status}`;
    throw new PalisadeError('central-refused', `Central at ${target.url}: ${message}`, {
      details: { status: response.status },
    });
  }
  return parsed as T;
}
