// Renders the criteria field reference and the built-in policy catalogue as Markdown, from the
// same definitions the compiler uses, so the docs cannot drift from the code.

import type { Policy } from '../model/index.ts';
import { levels } from './field.ts';
import type { FieldDefinition } from './field.ts';
import type { FieldRegistry } from './registry.ts';

const stageLetter = { BUILD: 'B', DEPLOY: 'D', RUNTIME: 'R' } as const;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function subjects(field: FieldDefinition): string {
  return [
    ...new Set(field.levels.map((l) => `${levels[l].root}${levels[l].parent ? ` › ${l}` : ''}`)),
  ].join(', ');
}

export function renderFieldDocs(registry: FieldRegistry): string {
  const fields = registry.all().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines = [
    '# Policy criteria fields',
    '',
    'Generated from `src/policy/fields/*.ts` by `npm run docs`; do not edit by hand.',
    'Value syntax, stages (B build, D deploy, R runtime), whether `negate` is allowed, whether several values are allowed,',
    'and the subject (object kind › element) each field tests. Groups on the same element level of one section must hold',
    'for the same element (the same container, mount, RBAC rule). *Required* fields violate when no value matches.',
    "*Image* fields are decided by the scan of each container's image (`check --scan-images`, Central); a container whose image has no scan leaves them undecided.",
    'Vulnerability fields (CVE, CVSS, Severity, Fixable, Fixed By, Days Since …) in one section must hold for the same vulnerability; Image Component for the same component.',
    '',
    '| Field | Value syntax | Stages | Neg | Multi | Subject | Origin | Notes |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const f of fields) {
    const notes = [
      f.required ? 'Required.' : '',
      f.needsImage ? 'Image.' : '',
      f.runtimeOnly ? 'Runtime events.' : '',
      f.description,
    ]
      .filter((n) => n !== '')
      .join(' ');
    lines.push(
      `| ${cell(f.name)} | ${cell(f.syntax.describe)} | ${f.stages.map((s) => stageLetter[s]).join(',')} | ${f.negatable ? 'Y' : '-'} | ${f.multiple ? 'n' : '1'} | ${cell(subjects(f))} | ${f.extension ? 'Palisade' : 'StackRox'} | ${cell(notes)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderPolicyDocs(policies: readonly Policy[]): string {
  const lines = [
    '# Built-in policies',
    '',
    'Generated from `src/policy/builtin/*.json` by `npm run docs`; do not edit by hand.',
    `${policies.length} policies; ${policies.filter((p) => p.disabled !== true).length} enabled by default.`,
    '',
    '| ID | Name | Severity | Default | Sets | References |',
    '|---|---|---|---|---|---|',
  ];
  for (const p of policies) {
    lines.push(
      `| \`${p.id}\` | ${cell(p.name)} | ${p.severity.replace('_SEVERITY', '').toLowerCase()} | ${p.disabled ? 'off' : 'on'} | ${(p.policySets ?? []).join(', ')} | ${cell((p.references ?? []).join(', '))} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
