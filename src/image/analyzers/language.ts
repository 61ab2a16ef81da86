// Shared shape of language-package components: one OSV ecosystem per purl type, and a builder
// that fills the purl from the name as the ecosystem spells it ("@scope/name", "group:artifact",
// a Go module path, "vendor/package").

import type { Component, ComponentType } from '../../model/index.ts';
import { buildPurl, splitPath } from './purl.ts';
import type { ImageFile } from './types.ts';

export type LanguageType = Exclude<ComponentType, 'deb' | 'apk' | 'rpm'>;

/** OSV ecosystem names (ossf.github.io/osv-schema/#affectedpackage-field). */
export const languageEcosystem: Readonly<Record<LanguageType, string>> = {
  npm: 'npm',
  pypi: 'PyPI',
  gem: 'RubyGems',
  maven: 'Maven',
  golang: 'Go',
  cargo: 'crates.io',
  nuget: 'NuGet',
  composer: 'Packagist',
};

function purlOf(type: LanguageType, name: string, version: string): string {
  switch (type) {
    case 'npm':
    case 'golang':
    case 'composer': {
      const { namespace, name: last } = splitPath(name);
      return buildPurl({ type, namespace, name: last, version });
    }
    case 'maven': {
      const colon = name.indexOf(':');
      return buildPurl({
        type,
        namespace: colon < 0 ? undefined : name.slice(0, colon),
        name: colon < 0 ? name : name.slice(colon + 1),
        version,
      });
    }
    case 'pypi':
    case 'gem':
    case 'cargo':
    case 'nuget':
      return buildPurl({ type, name, version });
  }
}

export function languageComponent(
  type: LanguageType,
  name: string,
  version: string,
  file: Pick<ImageFile, 'path' | 'layer'>,
  filePath: string = file.path,
): Component {
  return {
    type,
    name,
    version,
    ecosystem: languageEcosystem[type],
    purl: purlOf(type, name, version),
    file: filePath,
    layer: file.layer,
  };
}

/** JSON.parse that reports a position-less error as a message instead of throwing. */
export function parseJson(content: Buffer): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(content.toString('utf8')) as unknown };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const field = value[key];
  return typeof field === 'string' && field !== '' ? field : undefined;
}

/** 1-based line of a character offset, for findings. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
