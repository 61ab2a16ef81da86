// The vulnerability ignore file of `palisade image scan --ignore-file`: a YAML or JSON list of
// { id, package?, reason, expires? } entries, each an accepted risk with its reason. Reading
// validates every entry and names file and line; applying splits a scan's vulnerabilities into
// kept and ignored. Central's exceptions (defer, false positive) are a different, stored thing.

import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isSeq, isScalar } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { PalisadeError } from '../model/index.ts';
import type {
  IgnoredVulnerability,
  Vulnerability,
  VulnerabilityIgnoreRule,
} from '../model/index.ts';

/** An ignore file is a handful of lines; anything this large is not one. */
const maxIgnoreFileSize = 4 * 1024 * 1024;
const allowedKeys = new Set(['id', 'package', 'reason', 'expires']);

function invalid(file: string, line: number, message: string): PalisadeError {
  return new PalisadeError('ignore-file-invalid', `${file}:${line}: ${message}`, {
    details: { file, line },
  });
}

/** "2025-12-31" or a full ISO 8601 time; the day is what counts. */
function parseExpiry(text: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ][0-9:.]+(?:[Zz]|[+-]\d{2}:?\d{2})?)?$/.exec(text);
  if (match === null) return undefined;
  const [, year = '', month = '', day = ''] = match;
  const date = new Date(`${year}-${month}-${day}T00:00:00Z`);
  // Rejects 2025-02-30 and friends, which Date would roll over.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== `${year}-${month}-${day}`)
    return undefined;
  return `${year}-${month}-${day}`;
}

/** Parses ignore-file text (YAML, of which JSON is a subset); `file` names it in errors. */
export function parseIgnoreFile(text: string, file: string): VulnerabilityIgnoreRule[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  const lineOf = (node: YamlNode | null | undefined): number =>
    node?.range == null ? 1 : lineCounter.linePos(node.range[0]).line;
  const firstError = document.errors[0];
  if (firstError !== undefined) {
    const line = firstError.linePos?.[0]?.line ?? 1;
    throw invalid(file, line, `not valid YAML or JSON: ${firstError.message.split('\n')[0] ?? ''}`);
  }
  const root = document.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return [];
  if (!isSeq(root))
    throw invalid(
      file,
      lineOf(root),
      'expected a list of entries like "- id: CVE-2024-1234\\n  reason: …"',
    );
  const rules: VulnerabilityIgnoreRule[] = [];
  for (const item of root.items) {
    const node = item as YamlNode | null;
    const line = lineOf(node);
    if (!isMap(node)) throw invalid(file, line, 'each entry must be a mapping with id and reason');
    const values = new Map<string, string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const keyLine = lineOf(pair.key as YamlNode | null);
      if (!allowedKeys.has(key))
        throw invalid(
          file,
          keyLine,
          `unknown key '${key}'; an entry has id, package, reason and expires`,
        );
      const value = pair.value as YamlNode | null;
      const scalar = isScalar(value) ? value.value : undefined;
      if (typeof scalar !== 'string' && typeof scalar !== 'number' && typeof scalar !== 'boolean')
        throw invalid(file, keyLine, `'${key}' must be a string`);
      values.set(key, String(scalar).trim());
    }
    const id = values.get('id');
    if (id === undefined || id === '') throw invalid(file, line, "entry has no 'id'");
    const reason = values.get('reason');
    if (reason === undefined || reason === '')
      throw invalid(file, line, `entry '${id}' has no 'reason'; say why the risk is accepted`);
    const rule: {
      id: string;
      reason: string;
      file: string;
      line: number;
      package?: string;
      expires?: string;
    } = { id, reason, file, line };
    const packageName = values.get('package');
    if (packageName !== undefined && packageName !== '') rule.package = packageName;
    const expiresText = values.get('expires');
    if (expiresText !== undefined) {
      const expires = parseExpiry(expiresText);
      if (expires === undefined)
        throw invalid(
          file,
          line,
          `entry '${id}': expires '${expiresText}' is not a date (YYYY-MM-DD)`,
        );
      rule.expires = expires;
    }
    rules.push(rule);
  }
  return rules;
}

/** Reads and validates an ignore file. */
export async function readIgnoreFile(path: string): Promise<VulnerabilityIgnoreRule[]> {
  let text: string;
  try {
    const data = await readFile(path);
    if (data.length > maxIgnoreFileSize)
      throw new Error(`${data.length} bytes is too large for an ignore file`);
    text = data.toString('utf8');
  } catch (error) {
    throw new PalisadeError(
      'ignore-file-invalid',
      `reading ignore file ${path}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return parseIgnoreFile(text, path);
}

/** Whether the rule has expired on `now`: the expiry day itself still counts (UTC). */
export function ignoreRuleExpired(rule: VulnerabilityIgnoreRule, now: Date): boolean {
  return rule.expires !== undefined && now.toISOString().slice(0, 10) > rule.expires;
}

function ruleMatches(rule: VulnerabilityIgnoreRule, vulnerability: Vulnerability): boolean {
  const id = rule.id.toUpperCase();
  if (
    vulnerability.id.toUpperCase() !== id &&
    !vulnerability.aliases.some((a) => a.toUpperCase() === id)
  )
    return false;
  if (rule.package === undefined) return true;
  const component = vulnerability.component;
  return rule.package === component.name || rule.package === component.sourceName;
}

export interface IgnoreOutcome {
  readonly kept: readonly Vulnerability[];
  readonly ignored: readonly IgnoredVulnerability[];
  /** Rules past their expiry: they suppress nothing and are reported. */
  readonly expired: readonly VulnerabilityIgnoreRule[];
}

/** Splits vulnerabilities by the rules that are still in force on `now`. */
export function applyIgnoreRules(
  vulnerabilities: readonly Vulnerability[],
  rules: readonly VulnerabilityIgnoreRule[],
  now: Date,
): IgnoreOutcome {
  const active = rules.filter((rule) => !ignoreRuleExpired(rule, now));
  const expired = rules.filter((rule) => ignoreRuleExpired(rule, now));
  const kept: Vulnerability[] = [];
  const ignored: IgnoredVulnerability[] = [];
  for (const vulnerability of vulnerabilities) {
    const rule = active.find((candidate) => ruleMatches(candidate, vulnerability));
    if (rule === undefined) kept.push(vulnerability);
    else ignored.push({ vulnerability, rule });
  }
  return { kept, ignored, expired };
}
