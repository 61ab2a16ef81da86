// Package URLs (github.com/package-url/purl-spec, ECMA-427): one builder with the type-specific
// normalisation rules of types/*-definition.json — which parts are lowercased, how a scope or a
// group is carried in the namespace — and the spec's percent-encoding.

import type { ComponentType } from '../../model/index.ts';

export interface PurlParts {
  readonly type: ComponentType;
  readonly namespace?: string | undefined;
  readonly name: string;
  readonly version?: string | undefined;
  readonly qualifiers?: Readonly<Record<string, string | undefined>>;
  readonly subpath?: string | undefined;
}

interface TypeRule {
  readonly lowerNamespace: boolean;
  readonly lowerName: boolean;
  readonly normaliseName?: (name: string) => string;
}

// purl-spec types/<type>-definition.json: namespace_definition / name_definition case rules.
const rules: Readonly<Record<ComponentType, TypeRule>> = {
  deb: { lowerNamespace: true, lowerName: true },
  apk: { lowerNamespace: true, lowerName: true },
  rpm: { lowerNamespace: true, lowerName: false },
  npm: { lowerNamespace: true, lowerName: true },
  // pypi: "lowercased, underscore '_' replaced with dash '-'" (PEP 503 normalisation).
  pypi: {
    lowerNamespace: true,
    lowerName: true,
    normaliseName: (name) => name.replace(/[-_.]+/g, '-'),
  },
  gem: { lowerNamespace: false, lowerName: false },
  maven: { lowerNamespace: false, lowerName: false },
  golang: { lowerNamespace: true, lowerName: true },
  cargo: { lowerNamespace: false, lowerName: false },
  nuget: { lowerNamespace: false, lowerName: false },
  composer: { lowerNamespace: true, lowerName: true },
};

const unencoded = /^[A-Za-z0-9\-._~:]*$/;

/**
 * Percent-encodes one component: the unreserved characters (RFC 3986 ALPHA DIGIT - . _ ~) and
 * the colon stay as they are (ECMA-427 5.4: "the ':' need not be encoded"), every other UTF-8
 * byte becomes %XX with upper-case hex.
 */
export function encodePurlComponent(value: string): string {
  // Most names and versions need no encoding (and purls are built for every package).
  if (unencoded.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~:]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function buildPurl(parts: PurlParts): string {
  const rule = rules[parts.type];
  let name = rule.lowerName ? parts.name.toLowerCase() : parts.name;
  if (rule.normaliseName !== undefined) name = rule.normaliseName(name);
  let out = `pkg:${parts.type}/`;
  if (parts.namespace !== undefined && parts.namespace !== '') {
    const namespace = rule.lowerNamespace ? parts.namespace.toLowerCase() : parts.namespace;
    const segments = namespace.split('/').filter((s) => s !== '');
    out += segments.map(encodePurlComponent).join('/') + '/';
  }
  out += encodePurlComponent(name);
  if (parts.version !== undefined && parts.version !== '') {
    out += `@${encodePurlComponent(parts.version)}`;
  }
  const qualifiers = Object.entries(parts.qualifiers ?? {})
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => [key.toLowerCase(), value] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (qualifiers.length > 0) {
    out += '?' + qualifiers.map(([k, v]) => `${k}=${encodePurlComponent(v)}`).join('&');
  }
  if (parts.subpath !== undefined) {
    const segments = parts.subpath
      .split('/')
      .filter((s) => s !== '' && s !== '.' && s !== '..')
      .map(encodePurlComponent);
    if (segments.length > 0) out += `#${segments.join('/')}`;
  }
  return out;
}

/** Splits a Go module path or npm "@scope/name" at its last slash into namespace and name. */
export function splitPath(path: string): { namespace: string | undefined; name: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0
    ? { namespace: undefined, name: path }
    : { namespace: path.slice(0, slash), name: path.slice(slash + 1) };
}
