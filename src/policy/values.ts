// Value syntaxes of policy criteria: how a policy value string is parsed into a predicate.
// Facts from StackRox pkg/booleanpolicy/value_regex.go and pkg/search/predicate/basematchers:
// regexes are whole-value and case-insensitive, plain strings are case-insensitive prefixes,
// numbers take an optional comparator (< > <= >=), key=value parts are each a regex, empty = any.

import { compileValueRegex } from './regex.ts';

/** A value a field extracts from its subject. Pairs are key=value entries (labels, env). */
export type FieldValue =
  string | number | boolean | readonly [string, string] | readonly [string, string, string];

export type ValuePredicate = (value: FieldValue) => boolean;

export interface ValueSyntax {
  /** Short human description for docs and errors ("true or false"). */
  readonly describe: string;
  /** Parses one policy value; throws Error with a message for people when it is invalid. */
  parse(raw: string): ValuePredicate;
}

export const booleanSyntax: ValueSyntax = {
  describe: 'true or false',
  parse(raw) {
    const value = raw.trim().toLowerCase();
    if (value !== 'true' && value !== 'false')
      throw new Error(`expected true or false, got '${raw}'`);
    const expected = value === 'true';
    return (v) => v === expected;
  },
};

function regexOf(raw: string): (s: string) => boolean {
  try {
    const re = compileValueRegex(raw);
    return (s) => re.test(s);
  } catch (error) {
    throw new Error(
      `invalid regex '${raw}': ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

export const regexSyntax: ValueSyntax = {
  describe: 'regex (RE2, case-insensitive, whole value)',
  parse(raw) {
    const test = regexOf(raw);
    return (v) => typeof v !== 'object' && test(String(v));
  },
};

export const prefixSyntax: ValueSyntax = {
  describe: 'text (case-insensitive prefix)',
  parse(raw) {
    const prefix = raw.toLowerCase();
    return (v) => typeof v === 'string' && v.toLowerCase().startsWith(prefix);
  },
};

const comparatorPattern = /^\s*(<=|>=|<|>|=)?\s*(-?(?:\d+\.?\d*|\.\d+))\s*$/;

export function parseComparator(raw: string): (n: number) => boolean {
  const match = comparatorPattern.exec(raw);
  if (!match)
    throw new Error(`expected a number with an optional comparator (< > <= >=), got '${raw}'`);
  const bound = Number(match[2]);
  const operator: string = match[1] ?? '=';
  switch (operator) {
    case '<':
      return (n) => n < bound;
    case '>':
      return (n) => n > bound;
    case '<=':
      return (n) => n <= bound;
    case '>=':
      return (n) => n >= bound;
    default:
      return (n) => n === bound;
  }
}

export const numberSyntax: ValueSyntax = {
  describe: 'number with an optional comparator (< > <= >=)',
  parse(raw) {
    const compare = parseComparator(raw);
    return (v) => typeof v === 'number' && compare(v);
  },
};

export function enumSyntax(allowed: readonly string[]): ValueSyntax {
  const set = new Set(allowed.map((a) => a.toUpperCase()));
  return {
    describe: `one of ${allowed.join(', ')}`,
    parse(raw) {
      const value = raw.trim().toUpperCase();
      if (!set.has(value)) throw new Error(`expected one of ${allowed.join(', ')}, got '${raw}'`);
      return (v) => typeof v === 'string' && v.toUpperCase() === value;
    },
  };
}

/** key=value, each part a regex; an empty part matches anything (StackRox KeyValueRegex). */
export const keyValueSyntax: ValueSyntax = {
  describe: 'key=value (each part a regex; empty matches any)',
  parse(raw) {
    const eq = raw.indexOf('=');
    const keyPattern = eq < 0 ? raw : raw.slice(0, eq);
    const valuePattern = eq < 0 ? '' : raw.slice(eq + 1);
    if (keyPattern === '' && valuePattern === '')
      throw new Error(`expected key=value, got '${raw}'`);
    const key = keyPattern === '' ? () => true : regexOf(keyPattern);
    const value = valuePattern === '' ? () => true : regexOf(valuePattern);
    return (v) => Array.isArray(v) && v.length === 2 && key(String(v[0])) && value(String(v[1]));
  },
};

// Linux capabilities (capabilities(7)); StackRox accepts them with or without CAP_.
const capabilities = [
  'AUDIT_CONTROL',
  'AUDIT_READ',
  'AUDIT_WRITE',
  'BLOCK_SUSPEND',
  'BPF',
  'CHECKPOINT_RESTORE',
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'IPC_LOCK',
  'IPC_OWNER',
  'KILL',
  'LEASE',
  'LINUX_IMMUTABLE',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
  'MKNOD',
  'NET_ADMIN',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_RAW',
  'PERFMON',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_CHROOT',
  'SYS_MODULE',
  'SYS_NICE',
  'SYS_PACCT',
  'SYS_PTRACE',
  'SYS_RAWIO',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'SYSLOG',
  'WAKE_ALARM',
];

export function normaliseCapability(value: string): string {
  const upper = value.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

export function capabilitySyntax(allowAll: boolean): ValueSyntax {
  const known = new Set(allowAll ? [...capabilities, 'ALL'] : capabilities);
  return {
    describe: allowAll ? 'Linux capability or ALL' : 'Linux capability',
    parse(raw) {
      const value = normaliseCapability(raw);
      if (!known.has(value)) throw new Error(`unknown Linux capability '${raw}'`);
      // Dropping ALL drops every capability (StackRox querybuilders ForDropCaps).
      return (v) =>
        typeof v === 'string' &&
        (normaliseCapability(v) === value || (allowAll && normaliseCapability(v) === 'ALL'));
    },
  };
}

const envSources = [
  'UNSET',
  'RAW',
  'SECRET_KEY',
  'CONFIG_MAP_KEY',
  'FIELD',
  'RESOURCE_FIELD',
  'UNKNOWN',
];

/** SOURCE=key=value for Environment Variable; SOURCE may be empty (any), key and value are regexes. */
export const envVarSyntax: ValueSyntax = {
  describe:
    'SOURCE=name=value (SOURCE one of UNSET, RAW, SECRET_KEY, CONFIG_MAP_KEY, FIELD, RESOURCE_FIELD, UNKNOWN, or empty)',
  parse(raw) {
    const first = raw.indexOf('=');
    if (first < 0) throw new Error(`expected SOURCE=name=value, got '${raw}'`);
    const source = raw.slice(0, first).trim().toUpperCase();
    if (source !== '' && !envSources.includes(source))
      throw new Error(`unknown environment variable source '${source}'`);
    const rest = raw.slice(first + 1);
    const second = rest.indexOf('=');
    const namePattern = second < 0 ? rest : rest.slice(0, second);
    const valuePattern = second < 0 ? '' : rest.slice(second + 1);
    const name = namePattern === '' ? () => true : regexOf(namePattern);
    const value = valuePattern === '' ? () => true : regexOf(valuePattern);
    return (v) =>
      Array.isArray(v) &&
      v.length === 3 &&
      (source === '' || v[0] === source) &&
      name(String(v[1])) &&
      value(String(v[2]));
  },
};

const severities = ['UNKNOWN', 'LOW', 'MODERATE', 'IMPORTANT', 'CRITICAL'];

/** [< > <= >=] severity, as the image Severity field takes it. */
export const severitySyntax: ValueSyntax = {
  describe: `severity with an optional comparator: ${severities.join(', ')}`,
  parse(raw) {
    const match = /^\s*(<=|>=|<|>)?\s*([A-Za-z_]+)\s*$/.exec(raw);
    const rank = match
      ? severities.indexOf((match[2] ?? '').toUpperCase().replace(/_SEVERITY$/, ''))
      : -1;
    if (!match || rank < 0)
      throw new Error(`expected a severity (${severities.join(', ')}), got '${raw}'`);
    const compare = parseComparator(`${match[1] ?? ''}${rank}`);
    return (v) => typeof v === 'string' && compare(severities.indexOf(v.toUpperCase()));
  },
};

/** INSTRUCTION=regex for Dockerfile Line. */
export const dockerfileLineSyntax: ValueSyntax = {
  describe: 'INSTRUCTION=regex (Dockerfile instruction such as RUN, ADD, USER)',
  parse(raw) {
    const eq = raw.indexOf('=');
    const instruction = (eq < 0 ? raw : raw.slice(0, eq)).trim().toUpperCase();
    if (!/^[A-Z]*$/.test(instruction)) throw new Error(`expected INSTRUCTION=regex, got '${raw}'`);
    const value = eq < 0 || raw.slice(eq + 1) === '' ? () => true : regexOf(raw.slice(eq + 1));
    return (v) =>
      Array.isArray(v) &&
      v.length === 2 &&
      (instruction === '' || v[0] === instruction) &&
      value(String(v[1]));
  },
};
