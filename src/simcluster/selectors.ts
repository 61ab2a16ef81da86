// labelSelector and fieldSelector query parameters: parsing and matching with the semantics of
// k8s.io/apimachinery/pkg/labels (selector.go: =, ==, !=, in, notin, exists, !key, gt, lt) and
// pkg/fields (selector.go: =, ==, != with backslash escapes). Malformed selectors are BadRequest.

import { apiError } from './api-status.ts';
import { arrayAt, isJsonObject, stringAt, type JsonObject } from './json-value.ts';

export type LabelOperator = 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'notexists' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

// A qualified name with an optional DNS-subdomain prefix (validation.IsQualifiedName).
const labelKeyPattern =
  /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
// validation.IsValidLabelValue: empty, or up to 63 characters starting and ending alphanumeric.
const labelValuePattern = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

type Token =
  | { readonly type: 'word'; readonly text: string }
  | { readonly type: 'op'; readonly text: '=' | '==' | '!=' | '!' | '<' | '>' | '(' | ')' | ',' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '=' || c === '!') {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        tokens.push({ type: 'op', text: two });
        i += 2;
      } else {
        tokens.push({ type: 'op', text: c });
        i++;
      }
    } else if (c === '<' || c === '>' || c === '(' || c === ')' || c === ',') {
      tokens.push({ type: 'op', text: c });
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s=!<>(),]/.test(text[j] ?? '')) j++;
      tokens.push({ type: 'word', text: text.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

function selectorError(text: string, why: string): Error {
  return apiError('BadRequest', `unable to parse requirement: ${why} in selector "${text}"`);
}

/** Parses a labelSelector query value; an empty string selects everything. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const tokens = tokenize(text);
  const requirements: LabelRequirement[] = [];
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const word = (what: string): string => {
    const token = tokens[i++];
    if (token?.type !== 'word') throw selectorError(text, `expected ${what}`);
    return token.text;
  };
  const checkKey = (key: string): string => {
    if (!labelKeyPattern.test(key) || key.length > 317)
      throw selectorError(text, `invalid label key "${key}"`);
    return key;
  };
  const checkValue = (value: string): string => {
    if (!labelValuePattern.test(value)) throw selectorError(text, `invalid label value "${value}"`);
    return value;
  };
  while (i < tokens.length) {
    const first = peek();
    if (first?.type === 'op' && first.text === '!') {
      i++;
      requirements.push({ key: checkKey(word('a label key')), operator: 'notexists', values: [] });
    } else {
      const key = checkKey(word('a label key'));
      const next = peek();
      if (next === undefined || (next.type === 'op' && next.text === ',')) {
        requirements.push({ key, operator: 'exists', values: [] });
      } else if (
        next.type === 'op' &&
        (next.text === '=' || next.text === '==' || next.text === '!=')
      ) {
        i++;
        // "key=" selects the empty value.
        const after = peek();
        const value = after?.type === 'word' ? word('a value') : '';
        requirements.push({
          key,
          operator: next.text === '!=' ? 'neq' : 'eq',
          values: [checkValue(value)],
        });
      } else if (next.type === 'op' && (next.text === '<' || next.text === '>')) {
        i++;
        const value = word('a number');
        if (!/^-?\d+$/.test(value)) throw selectorError(text, `"${value}" is not an integer`);
        requirements.push({ key, operator: next.text === '<' ? 'lt' : 'gt', values: [value] });
      } else if (next.type === 'word' && (next.text === 'in' || next.text === 'notin')) {
        i++;
        const open = tokens[i++];
        if (open?.type !== 'op' || open.text !== '(') throw selectorError(text, 'expected "("');
        const values: string[] = [];
        for (;;) {
          const token = tokens[i++];
          if (token === undefined) throw selectorError(text, 'expected ")"');
          if (token.type === 'op' && token.text === ')') break;
          if (token.type === 'op' && token.text === ',') continue;
          if (token.type !== 'word') throw selectorError(text, `unexpected "${token.text}"`);
          values.push(checkValue(token.text));
        }
        if (values.length === 0)
          throw selectorError(text, `"${next.text}" needs at least one value`);
        requirements.push({ key, operator: next.text === 'in' ? 'in' : 'notin', values });
      } else {
        throw selectorError(text, `unexpected "${next.text}" after "${key}"`);
      }
    }
    const separator = tokens[i];
    if (separator === undefined) break;
    if (separator.type !== 'op' || separator.text !== ',')
      throw selectorError(text, `expected "," before "${separator.text}"`);
    i++;
    if (i === tokens.length) throw selectorError(text, 'trailing ","');
  }
  return requirements;
}

export function labelsMatch(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return requirements.every((requirement) => {
    const has = Object.hasOwn(labels, requirement.key);
    const value = labels[requirement.key];
    switch (requirement.operator) {
      case 'eq':
      case 'in':
        return has && value !== undefined && requirement.values.includes(value);
      case 'neq':
      case 'notin':
        return !has || value === undefined || !requirement.values.includes(value);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'gt':
      case 'lt': {
        // labels.Requirement.Matches: both sides must parse as integers.
        if (!has || value === undefined || !/^-?\d+$/.test(value)) return false;
        const left = Number(value);
        const right = Number(requirement.values[0]);
        return requirement.operator === 'gt' ? left > right : left < right;
      }
    }
  });
}

/** The labels of an object as a string map (non-string values are ignored). */
export function labelsOf(object: JsonObject): Record<string, string> {
  const metadata = object['metadata'];
  const labels = isJsonObject(metadata) ? metadata['labels'] : undefined;
  const out: Record<string, string> = {};
  if (!isJsonObject(labels)) return out;
  for (const [key, value] of Object.entries(labels))
    if (typeof value === 'string') out[key] = value;
  return out;
}

/**
 * A metav1.LabelSelector as selector text (LabelSelectorAsSelector(...).String()): requirements
 * sorted by key, set values sorted. Used for the Scale subresource's status.selector.
 */
export function formatLabelSelector(selector: JsonObject | undefined): string {
  if (selector === undefined) return '';
  const parts: { key: string; text: string }[] = [];
  const matchLabels = selector['matchLabels'];
  if (isJsonObject(matchLabels))
    for (const [key, value] of Object.entries(matchLabels))
      parts.push({ key, text: `${key}=${typeof value === 'string' ? value : ''}` });
  for (const expression of arrayAt(selector, 'matchExpressions') ?? []) {
    if (!isJsonObject(expression)) continue;
    const key = stringAt(expression, 'key') ?? '';
    const values = (arrayAt(expression, 'values') ?? [])
      .filter((v): v is string => typeof v === 'string')
      .sort();
    switch (stringAt(expression, 'operator')) {
      case 'In':
        parts.push({ key, text: `${key} in (${values.join(',')})` });
        break;
      case 'NotIn':
        parts.push({ key, text: `${key} notin (${values.join(',')})` });
        break;
      case 'Exists':
        parts.push({ key, text: key });
        break;
      case 'DoesNotExist':
        parts.push({ key, text: `!${key}` });
        break;
      case undefined:
      default:
        break;
    }
  }
  return parts
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((p) => p.text)
    .join(',');
}

export interface FieldRequirement {
  readonly field: string;
  readonly operator: 'eq' | 'neq';
  readonly value: string;
}

/** Splits on an unescaped separator, keeping escapes for the next stage. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\\' && i + 1 < text.length) {
      current += c + (text[i + 1] ?? '');
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeFieldValue(text: string, selector: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c !== '\\') {
      if (c === '=' || c === ',')
        throw apiError('BadRequest', `invalid field selector: unescaped "${c}" in "${selector}"`);
      out += c;
      continue;
    }
    const next = text[++i];
    if (next !== '\\' && next !== ',' && next !== '=')
      throw apiError(
        'BadRequest',
        `invalid field selector: invalid escape sequence in "${selector}"`,
      );
    out += next;
  }
  return out;
}

/** Parses a fieldSelector query value (fields.ParseSelector). */
export function parseFieldSelector(text: string): FieldRequirement[] {
  if (text.trim() === '') return [];
  return splitUnescaped(text, ',').map((term) => {
    for (const [token, operator] of [
      ['!=', 'neq'],
      ['==', 'eq'],
      ['=', 'eq'],
    ] as const) {
      const at = term.indexOf(token);
      if (at > 0) {
        const field = term.slice(0, at).trim();
        return { field, operator, value: unescapeFieldValue(term.slice(at + token.length), text) };
      }
    }
    throw apiError(
      'BadRequest',
      `invalid field selector: "${term}" is not of the form field=value`,
    );
  });
}

export function fieldsMatch(
  requirements: readonly FieldRequirement[],
  valueOf: (field: string) => string,
): boolean {
  return requirements.every((r) =>
    r.operator === 'eq' ? valueOf(r.field) === r.value : valueOf(r.field) !== r.value,
  );
}
