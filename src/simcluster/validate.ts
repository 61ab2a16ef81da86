// The validation a write must pass before it is stored: object names
// (k8s.io/apimachinery/pkg/util/validation), and for pod-bearing kinds the checks kubectl users
// meet first (containers present with name and image; workload selectors present, matching the
// template's labels, and immutable). Failures are 422 Invalid Statuses with one cause per field,
// formatted as pkg/api/errors.NewInvalid formats them. Everything else is accepted as given.

import { apiError, type StatusCause } from './api-status.ts';
import {
  arrayAt,
  isJsonObject,
  jsonEqual,
  objectAt,
  stringAt,
  type JsonObject,
  type JsonValue,
} from './json-value.ts';
import type { ResourceDefinition } from './resources.ts';
import { formatLabelSelector, labelsMatch, parseLabelSelector } from './selectors.ts';

const dns1123Label = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123Subdomain = `${dns1123Label}(\\.${dns1123Label})*`;
const dns1035Label = '[a-z]([-a-z0-9]*[a-z0-9])?';

function invalidValue(field: string, value: string, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: "${value}": ${why}` };
}

function required(field: string, why = ''): StatusCause {
  return {
    reason: 'FieldValueRequired',
    field,
    message: `Required value${why === '' ? '' : `: ${why}`}`,
  };
}

/** Problems with a name under a rule; empty when it is valid. */
export function validateName(
  name: string,
  rule: ResourceDefinition['nameRule'] | 'dns1035',
  field = 'metadata.name',
): StatusCause[] {
  switch (rule) {
    case 'subdomain':
      if (name.length > 253)
        return [invalidValue(field, name, 'must be no more than 253 characters')];
      return new RegExp(`^${dns1123Subdomain}$`).test(name)
        ? []
        : [
            invalidValue(
              field,
              name,
              `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${dns1123Subdomain}')`,
            ),
          ];
    case 'label':
      if (name.length > 63)
        return [invalidValue(field, name, 'must be no more than 63 characters')];
      return new RegExp(`^${dns1123Label}$`).test(name)
        ? []
        : [
            invalidValue(
              field,
              name,
              `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${dns1123Label}')`,
            ),
          ];
    case 'dns1035':
      if (name.length > 63)
        return [invalidValue(field, name, 'must be no more than 63 characters')];
      return new RegExp(`^${dns1035Label}$`).test(name)
        ? []
        : [
            invalidValue(
              field,
              name,
              `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${dns1035Label}')`,
            ),
          ];
    case 'path-segment':
      // path.IsValidPathSegmentName
      if (name === '.' || name === '..') return [invalidValue(field, name, `may not be '${name}'`)];
      if (name.includes('/') || name.includes('%'))
        return [invalidValue(field, name, `may not contain '/' or '%'`)];
      return [];
  }
}

function nameRuleFor(definition: ResourceDefinition): ResourceDefinition['nameRule'] | 'dns1035' {
  // ValidateServiceName is a DNS-1035 label: it must start with a letter.
  return definition.kind === 'Service' ? 'dns1035' : definition.nameRule;
}

/** Throws 422 Invalid when the object may not be stored; `previous` is set for updates. */
export function validateObject(
  definition: ResourceDefinition,
  object: JsonObject,
  previous: JsonObject | undefined,
): void {
  const metadata = objectAt(object, 'metadata');
  const name = stringAt(metadata, 'name') ?? '';
  const causes: StatusCause[] = [];
  if (name === '') causes.push(required('metadata.name', 'name or generateName is required'));
  else causes.push(...validateName(name, nameRuleFor(definition)));
  causes.push(...validateSpec(definition, object, previous));
  if (causes.length > 0) throw invalid(definition, name, causes);
}

export function invalid(
  definition: ResourceDefinition,
  name: string,
  causes: readonly StatusCause[],
): Error {
  const qualifiedKind =
    definition.group === '' ? definition.kind : `${definition.kind}.${definition.group}`;
  const texts = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = texts.length === 1 ? (texts[0] ?? '') : `[${texts.join(', ')}]`;
  return apiError('Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, {
    name,
    group: definition.group,
    kind: definition.kind,
    causes,
  });
}

/** Where a kind keeps its pod template, and whether it has a label selector to check. */
const templatePaths: Readonly<
  Record<string, { readonly template: readonly string[]; readonly selector: boolean }>
> = {
  Deployment: { template: ['spec', 'template'], selector: true },
  ReplicaSet: { template: ['spec', 'template'], selector: true },
  StatefulSet: { template: ['spec', 'template'], selector: true },
  DaemonSet: { template: ['spec', 'template'], selector: true },
  Job: { template: ['spec', 'template'], selector: false },
  CronJob: { template: ['spec', 'jobTemplate', 'spec', 'template'], selector: false },
};

function objectPath(object: JsonObject, path: readonly string[]): JsonObject | undefined {
  let current: JsonObject | undefined = object;
  for (const part of path) current = objectAt(current, part);
  return current;
}

/** Go's %v of a map[string]string, as validation messages print label maps. */
function goMap(labels: JsonObject | undefined): string {
  const entries = Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `map[string]string{${entries.join(', ')}}`;
}

function validateSpec(
  definition: ResourceDefinition,
  object: JsonObject,
  previous: JsonObject | undefined,
): StatusCause[] {
  if (definition.group !== '' && definition.group !== 'apps' && definition.group !== 'batch')
    return [];
  if (definition.kind === 'Pod') return validatePodSpec(objectAt(object, 'spec'), 'spec');
  const paths = templatePaths[definition.kind];
  if (paths === undefined) return [];
  const causes: StatusCause[] = [];
  const template = objectPath(object, paths.template);
  const templateField = paths.template.join('.');
  if (paths.selector) {
    const selector = objectPath(object, ['spec', 'selector']);
    if (selector === undefined) causes.push(required('spec.selector'));
    else {
      const labels = objectAt(objectAt(template, 'metadata'), 'labels');
      const text = formatLabelSelector(selector);
      const stringLabels: Record<string, string> = {};
      for (const [key, value] of Object.entries(labels ?? {}))
        if (typeof value === 'string') stringLabels[key] = value;
      let matches: boolean;
      try {
        matches = text !== '' && labelsMatch(parseLabelSelector(text), stringLabels);
      } catch {
        matches = false;
      }
      if (text === '')
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.selector',
          message: `Invalid value: ${JSON.stringify(selector)}: empty selector is invalid for ${definition.singular}`,
        });
      else if (!matches)
        causes.push({
          reason: 'FieldValueInvalid',
          field: `${templateField}.metadata.labels`,
          message: `Invalid value: ${goMap(labels)}: \`selector\` does not match template \`labels\``,
        });
      const before =
        previous === undefined ? undefined : objectPath(previous, ['spec', 'selector']);
      if (before !== undefined && !jsonEqual(before, selector))
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.selector',
          message: `Invalid value: ${JSON.stringify(selector)}: field is immutable`,
        });
    }
  }
  if (template === undefined) causes.push(required(templateField));
  else causes.push(...validatePodSpec(objectAt(template, 'spec'), `${templateField}.spec`));
  return causes;
}

function validatePodSpec(spec: JsonObject | undefined, field: string): StatusCause[] {
  const containers: readonly JsonValue[] = arrayAt(spec, 'containers') ?? [];
  if (containers.length === 0) return [required(`${field}.containers`)];
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  for (const [listName, list] of [
    ['initContainers', arrayAt(spec, 'initContainers') ?? []],
    ['containers', containers],
  ] as const) {
    list.forEach((container, index) => {
      const at = `${field}.${listName}[${index}]`;
      if (!isJsonObject(container)) {
        causes.push(required(at));
        return;
      }
      const name = stringAt(container, 'name') ?? '';
      if (name === '') causes.push(required(`${at}.name`));
      else {
        causes.push(...validateName(name, 'label', `${at}.name`));
        if (seen.has(name))
          causes.push({
            reason: 'FieldValueDuplicate',
            field: `${at}.name`,
            message: `Duplicate value: "${name}"`,
          });
        seen.add(name);
      }
      if ((stringAt(container, 'image') ?? '').trim() === '') causes.push(required(`${at}.image`));
    });
  }
  return causes;
}
