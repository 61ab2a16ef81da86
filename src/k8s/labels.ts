// Label selector matching (k8s.io/apimachinery labels.Selector semantics).

import type { LabelSelector } from '../model/index.ts';

/** Whether a LabelSelector selects the given labels. An empty selector selects everything. */
export function selectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, expression.key);
    const value = labels[expression.key];
    switch (expression.operator) {
      case 'In':
        if (!has || value === undefined || !expression.values.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && value !== undefined && expression.values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** Service-style equality selector: non-empty and every pair present. */
export function mapSelectorMatches(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

/**
 * Indexes selector-bearing objects by one required label pair each, so finding the objects
 * that may select a pod costs a few map lookups instead of a scan. Objects whose selector has
 * no required pair are always candidates. Callers still verify each candidate.
 */
export function indexBySelector<T>(
  items: readonly T[],
  requiredPair: (item: T) => readonly [string, string] | undefined,
): (labels: Readonly<Record<string, string>>) => T[] {
  const byPair = new Map<string, T[]>();
  const always: T[] = [];
  for (const item of items) {
    const pair = requiredPair(item);
    if (!pair) {
      always.push(item);
      continue;
    }
    const key = `${pair[0]}\u0000${pair[1]}`;
    const list = byPair.get(key);
    if (list) list.push(item);
    else byPair.set(key, [item]);
  }
  return (labels) => {
    const out = always.length > 0 ? [...always] : [];
    for (const key in labels) {
      const list = byPair.get(`${key}\u0000${labels[key]}`);
      if (list) out.push(...list);
    }
    return out;
  };
}

/** The first matchLabels pair of a LabelSelector, for indexBySelector. */
export function firstMatchLabel(selector: LabelSelector): readonly [string, string] | undefined {
  for (const key in selector.matchLabels) return [key, selector.matchLabels[key] ?? ''];
  return undefined;
}
