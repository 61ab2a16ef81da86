// Image-derived criteria fields (StackRox names). They are registered so policies using them
// validate and import; they are decided by an image scan, so until a scan is attached to a
// container the evaluator reports such a policy as undecided rather than passing it.

import { defineField } from '../field.ts';
import type { FieldDefinition } from '../field.ts';
import type { ValueSyntax } from '../values.ts';
import {
  booleanSyntax,
  dockerfileLineSyntax,
  keyValueSyntax,
  numberSyntax,
  regexSyntax,
  severitySyntax,
} from '../values.ts';

interface ImageFieldSpec {
  readonly name: string;
  readonly syntax: ValueSyntax;
  readonly negatable?: boolean;
  readonly multiple?: boolean;
  readonly andAllowed?: boolean;
  readonly required?: boolean;
  readonly description: string;
}

function imageField(spec: ImageFieldSpec): FieldDefinition {
  return defineField({
    ...spec,
    stages: ['BUILD', 'DEPLOY', 'RUNTIME'],
    levels: ['container'],
    needsImage: true,
    // No scan data is attached to containers yet: nothing to extract.
    extract: () => [],
  });
}

export const imageFields: FieldDefinition[] = [
  imageField({
    name: 'CVE',
    syntax: regexSyntax,
    negatable: true,
    description: 'CVE identifiers of vulnerabilities in the image.',
  }),
  imageField({
    name: 'CVSS',
    syntax: numberSyntax,
    description: 'CVSS score of a vulnerability in the image.',
  }),
  imageField({
    name: 'NVD CVSS',
    syntax: numberSyntax,
    description: 'NVD CVSS score of a vulnerability.',
  }),
  imageField({
    name: 'Severity',
    syntax: severitySyntax,
    description: 'Severity of a vulnerability.',
  }),
  imageField({
    name: 'Fixable',
    syntax: booleanSyntax,
    multiple: false,
    description: 'Whether a vulnerability has a fixed version.',
  }),
  imageField({
    name: 'Fixed By',
    syntax: regexSyntax,
    negatable: true,
    description: 'Version that fixes a vulnerability.',
  }),
  imageField({
    name: 'Days Since CVE Fix Was Available',
    syntax: numberSyntax,
    multiple: false,
    description: 'Days since a fix was published.',
  }),
  imageField({
    name: 'Days Since CVE Was First Discovered In Image',
    syntax: numberSyntax,
    multiple: false,
    description: 'Days since the CVE was first seen in this image.',
  }),
  imageField({
    name: 'Days Since CVE Was First Discovered In System',
    syntax: numberSyntax,
    multiple: false,
    description: 'Days since the CVE was first seen anywhere.',
  }),
  imageField({
    name: 'Days Since CVE Was Published',
    syntax: numberSyntax,
    multiple: false,
    description: 'Days since the CVE was published.',
  }),
  imageField({
    name: 'Image Component',
    syntax: keyValueSyntax,
    description: 'name=version of a package in the image.',
  }),
  imageField({
    name: 'Image OS',
    syntax: regexSyntax,
    negatable: true,
    description: 'Operating system of the image (e.g. debian:12).',
  }),
  imageField({
    name: 'Image Age',
    syntax: numberSyntax,
    multiple: false,
    description: 'Days since the image was created.',
  }),
  imageField({
    name: 'Image Scan Age',
    syntax: numberSyntax,
    multiple: false,
    description: 'Days since the image was last scanned.',
  }),
  imageField({
    name: 'Image User',
    syntax: regexSyntax,
    negatable: true,
    description: 'USER of the image config.',
  }),
  imageField({
    name: 'Dockerfile Line',
    syntax: dockerfileLineSyntax,
    description: 'A line of the image history as INSTRUCTION=value.',
  }),
  imageField({
    name: 'Unscanned Image',
    syntax: booleanSyntax,
    multiple: false,
    description: 'Whether the image has no scan.',
  }),
  imageField({
    name: 'Required Image Label',
    syntax: keyValueSyntax,
    required: true,
    description: 'Violates when no image label matches.',
  }),
  imageField({
    name: 'Disallowed Image Label',
    syntax: keyValueSyntax,
    description: 'Violates when an image label matches.',
  }),
  imageField({
    name: 'Image Signature Verified By',
    syntax: regexSyntax,
    andAllowed: false,
    description: 'Signature integration IDs that verified the image.',
  }),
];
