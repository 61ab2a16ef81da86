// Light and dark themes: PatternFly 6 switches on the `pf-v6-theme-dark` class of <html>. The
// choice is remembered; the first visit follows the system preference.

export type Theme = 'light' | 'dark';
const key = 'palisade.theme';

export function readTheme(): Theme {
  const stored = localStorage.getItem(key);
  if (stored === 'light' || stored === 'dark') return stored;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.classList.toggle('pf-v6-theme-dark', theme === 'dark');
}

export function saveTheme(theme: Theme): void {
  localStorage.setItem(key, theme);
  applyTheme(theme);
}
