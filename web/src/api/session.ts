// The signed-in API token, kept in this tab's sessionStorage: it goes with the tab, is never
// sent by the browser on its own (no cookie, so no cross-site request can use it), and Central
// checks it on every call. Listeners are told when it changes (sign-in, sign-out, a 401).

const key = 'palisade.token';
const listeners = new Set<() => void>();

export function readToken(): string | null {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
}

export function signIn(token: string): void {
  sessionStorage.setItem(key, token);
  for (const listener of listeners) listener();
}

export function signOut(): void {
  sessionStorage.removeItem(key);
  for (const listener of listeners) listener();
}

export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
