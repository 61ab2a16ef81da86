// CVSS scores computed from vectors: v3.0 and v3.1 base scores with the formulas of the FIRST
// specification (first.org/cvss/v3.1/specification-document §7.1, Appendix A "Roundup"), v2
// with the v2 guide's equations (first.org/cvss/v2/guide §3.2.1), v4.0 with the macro-vector
// method of its specification (cvss-v4.ts), which also honours threat and environmental metrics.

import type { CvssScore, CvssVersion } from '../model/index.ts';
import { cvss4Score } from './cvss-v4.ts';

const v3Weights = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

function metrics(vector: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of vector.split('/')) {
    const [key, value] = part.split(':');
    if (key !== undefined && value !== undefined) out.set(key, value);
  }
  return out;
}

/** CVSS v3.1 Roundup: the smallest one-decimal number >= input, free of float error. */
function roundUp31(value: number): number {
  const scaled = Math.round(value * 100000);
  return scaled % 10000 === 0 ? scaled / 100000 : (Math.floor(scaled / 10000) + 1) / 10;
}

function roundUp30(value: number): number {
  return Math.ceil(value * 10) / 10;
}

function pick<T extends Record<string, number>>(
  table: T,
  key: string | undefined,
): number | undefined {
  return key !== undefined && key in table ? table[key as keyof T] : undefined;
}

/** The v3.x base score, or undefined when a base metric is missing or invalid. */
export function cvss3BaseScore(vector: string): number | undefined {
  const m = metrics(vector);
  const version = m.get('CVSS');
  if (version !== '3.0' && version !== '3.1') return undefined;
  const scope = m.get('S');
  if (scope !== 'U' && scope !== 'C') return undefined;
  const changed = scope === 'C';
  const av = pick(v3Weights.AV, m.get('AV'));
  const ac = pick(v3Weights.AC, m.get('AC'));
  const ui = pick(v3Weights.UI, m.get('UI'));
  const prTable = changed ? { N: 0.85, L: 0.68, H: 0.5 } : { N: 0.85, L: 0.62, H: 0.27 };
  const pr = pick(prTable, m.get('PR'));
  const c = pick(v3Weights.CIA, m.get('C'));
  const i = pick(v3Weights.CIA, m.get('I'));
  const a = pick(v3Weights.CIA, m.get('A'));
  if ([av, ac, ui, pr, c, i, a].some((x) => x === undefined)) return undefined;
  const iss = 1 - (1 - (c ?? 0)) * (1 - (i ?? 0)) * (1 - (a ?? 0));
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability = 8.22 * (av ?? 0) * (ac ?? 0) * (pr ?? 0) * (ui ?? 0);
  if (impact <= 0) return 0;
  const roundUp = version === '3.1' ? roundUp31 : roundUp30;
  return changed
    ? roundUp(Math.min(1.08 * (impact + exploitability), 10))
    : roundUp(Math.min(impact + exploitability, 10));
}

/** The v2 base score (v2 guide §3.2.1), or undefined when a base metric is missing. */
export function cvss2BaseScore(vector: string): number | undefined {
  const m = metrics(vector);
  const av = pick({ L: 0.395, A: 0.646, N: 1.0 }, m.get('AV'));
  const ac = pick({ H: 0.35, M: 0.61, L: 0.71 }, m.get('AC'));
  const au = pick({ M: 0.45, S: 0.56, N: 0.704 }, m.get('Au'));
  const cia = { N: 0, P: 0.275, C: 0.66 };
  const c = pick(cia, m.get('C'));
  const i = pick(cia, m.get('I'));
  const a = pick(cia, m.get('A'));
  if ([av, ac, au, c, i, a].some((x) => x === undefined)) return undefined;
  const impact = 10.41 * (1 - (1 - (c ?? 0)) * (1 - (i ?? 0)) * (1 - (a ?? 0)));
  const exploitability = 20 * (av ?? 0) * (ac ?? 0) * (au ?? 0);
  const f = impact === 0 ? 0 : 1.176;
  const score = (0.6 * impact + 0.4 * exploitability - 1.5) * f;
  return Math.round(score * 10) / 10;
}

/** Parses a published vector into a score record; undefined when it is not CVSS. */
export function scoreCvssVector(vector: string): CvssScore | undefined {
  const text = vector.trim();
  let version: CvssVersion;
  let baseScore: number | undefined;
  if (text.startsWith('CVSS:3.1/') || text.startsWith('CVSS:3.0/')) {
    version = text.startsWith('CVSS:3.1/') ? '3.1' : '3.0';
    baseScore = cvss3BaseScore(text);
  } else if (text.startsWith('CVSS:4.0/')) {
    version = '4.0';
    baseScore = cvss4Score(text);
  } else if (/^(\(?AV:[LAN])/.test(text)) {
    version = '2.0';
    baseScore = cvss2BaseScore(text.replace(/^\(|\)$/g, ''));
  } else {
    return undefined;
  }
  return baseScore === undefined ? { version, vector: text } : { version, vector: text, baseScore };
}
