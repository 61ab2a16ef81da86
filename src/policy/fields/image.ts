// Image-derived criteria fields (StackRox names), decided by the scan of each container's image
// when the evaluation is given scans (EvaluateOptions.imageScans). Vulnerability fields sit on
// the vulnerability level (container › component › vulnerability) so that the groups of one
// section must hold for the same vulnerability, as StackRox links them; Image Component sits on
// the component level. Without a scan a container's image groups are undecided.

import type { Container, Vulnerability } from '../../model/index.ts';
import { defineField, pair } from '../field.ts';
import type { FieldDefinition, LevelName } from '../field.ts';
import { daysBetween, nowKey, scannedImageOf } from '../image-scans.ts';
import type { ScannedComponent, ScannedImage } from '../image-scans.ts';
import type { FieldValue, ValueSyntax } from '../values.ts';
import {
  booleanSyntax,
  dockerfileLineSyntax,
  keyValueSyntax,
  numberSyntax,
  regexSyntax,
  severitySyntax,
} from '../values.ts';

interface ImageScope {
  readonly container: Container;
  readonly component?: ScannedComponent;
  readonly vulnerability?: Vulnerability;
}

interface ImageFieldSpec {
  readonly name: string;
  readonly syntax: ValueSyntax;
  readonly level: LevelName;
  readonly negatable?: boolean;
  readonly multiple?: boolean;
  readonly andAllowed?: boolean;
  readonly required?: boolean;
  readonly imageData?: 'scan' | 'presence' | 'unavailable';
  readonly description: string;
  readonly extract?: (scope: ImageScope) => FieldValue | readonly FieldValue[] | undefined;
  readonly describe?: (
    scope: ImageScope,
    values: readonly FieldValue[],
    negated: boolean,
  ) => string;
}

const nothing = (): undefined => undefined;

function imageField(spec: ImageFieldSpec): FieldDefinition {
  const { level, extract, describe, ...rest } = spec;
  return defineField({
    ...rest,
    stages: ['BUILD', 'DEPLOY', 'RUNTIME'],
    levels: [level],
    needsImage: true,
    extract: (extract ?? nothing) as (scope: unknown) => FieldValue | readonly FieldValue[],
    ...(describe === undefined
      ? {}
      : { describe: describe as (scope: unknown, v: readonly FieldValue[], n: boolean) => string }),
  });
}

/** The scan of the container in scope; the evaluator only extracts when there is one. */
const imageOf = (scope: ImageScope): ScannedImage | undefined =>
  scannedImageOf(scope as unknown as Record<string, unknown>);
const nowOf = (scope: ImageScope): number =>
  ((scope as unknown as Record<string, unknown>)[nowKey] as number | undefined) ?? Date.now();
const vulnOf = (scope: ImageScope): Vulnerability => scope.vulnerability as Vulnerability;

function describeVulnerability(scope: ImageScope): string {
  const v = vulnOf(scope);
  const cve = v.id.startsWith('CVE-')
    ? v.id
    : (v.aliases.find((a) => a.startsWith('CVE-')) ?? v.id);
  const score = v.cvss?.baseScore === undefined ? '' : `, CVSS ${v.cvss.baseScore}`;
  const fix =
    v.fixedVersions.length > 0 ? `fixed in ${v.fixedVersions[0]}` : 'no fixed version yet';
  return `container '${scope.container.name}' image has ${cve} (${v.severity}${score}) in ${v.component.name} ${v.component.version}, ${fix}`;
}

function describeImage(what: string) {
  return (scope: ImageScope, values: readonly FieldValue[], negated: boolean): string => {
    const shown = values
      .map((v) => (Array.isArray(v) ? v.filter((p) => p !== '').join('=') : String(v)))
      .join(', ');
    return `container '${scope.container.name}' image ${what}${negated ? ' not matching the policy' : ''}: ${shown === '' ? '(none)' : shown}`;
  };
}

/** Day count since an ISO time, or undefined when the time is unknown. */
function daysSince(iso: string | undefined, scope: ImageScope): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : daysBetween(t, nowOf(scope));
}

export const imageFields: FieldDefinition[] = [
  imageField({
    name: 'CVE',
    level: 'vulnerability',
    syntax: regexSyntax,
    negatable: true,
    description:
      'Id of a vulnerability in the image (the advisory id and its aliases, CVE-… among them).',
    extract: (s) => [vulnOf(s).id, ...vulnOf(s).aliases],
    describe: describeVulnerability,
  }),
  imageField({
    name: 'CVSS',
    level: 'vulnerability',
    syntax: numberSyntax,
    description: 'CVSS base score of a vulnerability in the image (computed from its vector).',
    extract: (s) => vulnOf(s).cvss?.baseScore,
    describe: describeVulnerability,
  }),
  imageField({
    name: 'NVD CVSS',
    level: 'vulnerability',
    syntax: numberSyntax,
    imageData: 'unavailable',
    description:
      'NVD CVSS score of a vulnerability; Palisade has no NVD data, so it stays undecided.',
  }),
  imageField({
    name: 'Severity',
    level: 'vulnerability',
    syntax: severitySyntax,
    description: 'Severity of a vulnerability in the image.',
    extract: (s) => vulnOf(s).severity,
    describe: describeVulnerability,
  }),
  imageField({
    name: 'Fixable',
    level: 'vulnerability',
    syntax: booleanSyntax,
    multiple: false,
    description: "Whether a vulnerability has a fixed version for the image's release.",
    extract: (s) => vulnOf(s).fixable,
    describe: describeVulnerability,
  }),
  imageField({
    name: 'Fixed By',
    level: 'vulnerability',
    syntax: regexSyntax,
    negatable: true,
    description:
      'Version that fixes a vulnerability; absent (never matching) when there is no fix.',
    extract: (s) => vulnOf(s).fixedVersions,
    describe: describeVulnerability,
  }),
  imageField({
    name: 'Days Since CVE Fix Was Available',
    level: 'vulnerability',
    syntax: numberSyntax,
    multiple: false,
    description:
      'Days since a fix was published: the publication of the advisory that carries the fixed version (OSV has no separate fix date).',
    extract: (s) => (vulnOf(s).fixable ? daysSince(vulnOf(s).published, s) : undefined),
    describe: describeVulnerability,
  }),
  imageField({
    name: 'Days Since CVE Was First Discovered In Image',
    level: 'vulnerability',
    syntax: numberSyntax,
    multiple: false,
    imageData: 'unavailable',
    description: 'Days since the CVE was first seen in this image; not recorded yet, so undecided.',
  }),
  imageField({
    name: 'Days Since CVE Was First Discovered In System',
    level: 'vulnerability',
    syntax: numberSyntax,
    multiple: false,
    imageData: 'unavailable',
    description: 'Days since the CVE was first seen anywhere; not recorded yet, so undecided.',
  }),
  imageField({
    name: 'Days Since CVE Was Published',
    level: 'vulnerability',
    syntax: numberSyntax,
    multiple: false,
    description: 'Days since the advisory was published.',
    extract: (s) => daysSince(vulnOf(s).published, s),
    describe: describeVulnerability,
  }),
  imageField({
    name: 'Image Component',
    level: 'component',
    syntax: keyValueSyntax,
    description: 'name=version of a package in the image.',
    extract: (s) => [pair(s.component?.component.name ?? '', s.component?.component.version ?? '')],
    describe: (s) =>
      `container '${s.container.name}' image has component ${s.component?.component.name ?? ''} ${s.component?.component.version ?? ''}`,
  }),
  imageField({
    name: 'Image OS',
    level: 'container',
    syntax: regexSyntax,
    negatable: true,
    description: 'Operating system of the image as id:version (debian:12, alpine:3.20.1).',
    extract: (s) => {
      const os = imageOf(s)?.scan.os;
      return os === undefined ? undefined : `${os.id}:${os.versionId}`;
    },
    describe: describeImage('OS is'),
  }),
  imageField({
    name: 'Image Age',
    level: 'container',
    syntax: numberSyntax,
    multiple: false,
    description: 'Days since the image was built (config created).',
    extract: (s) => {
      const created = imageOf(s)?.createdAt;
      return created === undefined ? undefined : daysBetween(created, nowOf(s));
    },
    describe: (s, values) =>
      `container '${s.container.name}' image was built ${String(values[0])} days ago`,
  }),
  imageField({
    name: 'Image Scan Age',
    level: 'container',
    syntax: numberSyntax,
    multiple: false,
    description: 'Days since the image was last scanned.',
    extract: (s) => {
      const image = imageOf(s);
      return image === undefined ? undefined : daysBetween(image.scannedAt, nowOf(s));
    },
    describe: (s, values) =>
      `container '${s.container.name}' image was last scanned ${String(values[0])} days ago`,
  }),
  imageField({
    name: 'Image User',
    level: 'container',
    syntax: regexSyntax,
    negatable: true,
    description: 'USER of the image config (empty when unset, which means root).',
    extract: (s) => imageOf(s)?.scan.config?.user,
    describe: describeImage('runs as USER'),
  }),
  imageField({
    name: 'Dockerfile Line',
    level: 'container',
    syntax: dockerfileLineSyntax,
    description: 'A line of the image config history as INSTRUCTION=value.',
    extract: (s) => imageOf(s)?.dockerfileLines ?? [],
    describe: describeImage('was built with'),
  }),
  imageField({
    name: 'Unscanned Image',
    level: 'container',
    syntax: booleanSyntax,
    multiple: false,
    imageData: 'presence',
    description:
      'Whether the image has no scan; decided whenever the evaluation has image scans (check --scan-images, Central).',
    extract: (s) => imageOf(s) === undefined,
    describe: (s, values) =>
      values[0] === true
        ? `container '${s.container.name}' image ${s.container.image.fullName} has not been scanned`
        : `container '${s.container.name}' image ${s.container.image.fullName} has been scanned`,
  }),
  imageField({
    name: 'Required Image Label',
    level: 'container',
    syntax: keyValueSyntax,
    required: true,
    description: 'Violates when no image label matches.',
    extract: (s) => imageOf(s)?.labels ?? [],
    describe: (s) => `container '${s.container.name}' image lacks a required label`,
  }),
  imageField({
    name: 'Disallowed Image Label',
    level: 'container',
    syntax: keyValueSyntax,
    description: 'Violates when an image label matches.',
    extract: (s) => imageOf(s)?.labels ?? [],
    describe: describeImage('has label'),
  }),
  imageField({
    name: 'Image Signature Verified By',
    level: 'container',
    syntax: regexSyntax,
    andAllowed: false,
    imageData: 'unavailable',
    description:
      'Signature integration IDs that verified the image; Palisade does not verify signatures yet, so undecided.',
  }),
];
