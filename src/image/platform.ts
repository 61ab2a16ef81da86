// Chooses the manifest for one platform from an image index, the way container runtimes do
// (containerd platforms package: os and architecture must match; the variant too, with arm64's
// default variant v8 and arm's v7 when none is written). Not a general platform matcher.

import { PalisadeError } from '../model/index.ts';
import type { Descriptor, ImageIndex, Platform } from './manifest.ts';

export interface PlatformSpec {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export const defaultPlatform = 'linux/amd64';

/** Parses "os/arch[/variant]", e.g. "linux/arm64", "linux/arm/v7". */
export function parsePlatform(text: string): PlatformSpec {
  const parts = text.trim().split('/');
  const [os, architecture, variant] = parts;
  if (parts.length < 2 || parts.length > 3 || !os || !architecture || variant === '') {
    throw new PalisadeError(
      'platform-invalid',
      `platform '${text}' is not os/architecture[/variant], e.g. linux/amd64 or linux/arm/v7`,
      { status: 400 },
    );
  }
  return normalisePlatform(
    variant === undefined ? { os, architecture } : { os, architecture, variant },
  );
}

/** containerd's normalisation: aarch64 → arm64, x86_64 → amd64, default variants filled in. */
export function normalisePlatform(platform: PlatformSpec): PlatformSpec {
  const os = platform.os.toLowerCase();
  let architecture = platform.architecture.toLowerCase();
  let variant = platform.variant?.toLowerCase() ?? '';
  if (architecture === 'x86_64' || architecture === 'x86-64') architecture = 'amd64';
  if (architecture === 'aarch64') architecture = 'arm64';
  if (architecture === 'i386') architecture = '386';
  if (architecture === 'armhf') [architecture, variant] = ['arm', 'v7'];
  if (architecture === 'armel') [architecture, variant] = ['arm', 'v6'];
  if (architecture === 'arm64' && (variant === '' || variant === '8')) variant = 'v8';
  if (architecture === 'arm' && variant === '') variant = 'v7';
  if (architecture === 'arm' && /^[5-8]$/.test(variant)) variant = `v${variant}`;
  if (architecture === 'amd64' && variant === 'v1') variant = '';
  return variant === '' ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(platform: PlatformSpec | Platform): string {
  return [platform.os, platform.architecture, platform.variant]
    .filter((part) => part !== undefined && part !== '')
    .join('/');
}

export function platformMatches(wanted: PlatformSpec, candidate: Platform): boolean {
  const a = normalisePlatform(wanted);
  const { os, architecture, variant } = candidate;
  const b = normalisePlatform(
    variant === undefined ? { os, architecture } : { os, architecture, variant },
  );
  return (
    a.os === b.os && a.architecture === b.architecture && (a.variant ?? '') === (b.variant ?? '')
  );
}

/**
 * The index entry for `wanted`. Entries without a platform (attestations, artifacts) never
 * match. Throws `platform-not-found` listing what the index offers.
 */
export function selectPlatform(index: ImageIndex, wanted: PlatformSpec, what: string): Descriptor {
  const match = index.manifests.find(
    (entry) => entry.platform !== undefined && platformMatches(wanted, entry.platform),
  );
  if (match !== undefined) return match;
  const offered = index.manifests
    .flatMap((entry) => (entry.platform === undefined ? [] : [formatPlatform(entry.platform)]))
    .filter((name) => name !== 'unknown/unknown');
  throw new PalisadeError(
    'platform-not-found',
    `${what}: no image for platform ${formatPlatform(wanted)}; the index offers ${offered.length === 0 ? 'none' : offered.join(', ')}`,
    { status: 404, details: { platform: formatPlatform(wanted), offered } },
  );
}
