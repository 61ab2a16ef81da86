// Runtime criteria fields (process, network baseline, Kubernetes events, audit log, file
// activity; StackRox names). They are registered so runtime policies validate and import
// unchanged; `check` and admission cannot decide them, so they never evaluate at deploy time.

import { defineField } from '../field.ts';
import type { FieldDefinition } from '../field.ts';
import type { ValueSyntax } from '../values.ts';
import { booleanSyntax, enumSyntax, numberSyntax, prefixSyntax, regexSyntax } from '../values.ts';

interface RuntimeFieldSpec {
  readonly name: string;
  readonly syntax: ValueSyntax;
  readonly negatable?: boolean;
  readonly multiple?: boolean;
  readonly description: string;
}

function runtimeField(spec: RuntimeFieldSpec): FieldDefinition {
  return defineField({
    ...spec,
    stages: ['RUNTIME'],
    levels: ['container'],
    runtimeOnly: true,
    extract: () => [],
  });
}

export const runtimeFields: FieldDefinition[] = [
  runtimeField({
    name: 'Process Name',
    syntax: regexSyntax,
    negatable: true,
    description: 'Executable name of a process.',
  }),
  runtimeField({
    name: 'Process Ancestor',
    syntax: regexSyntax,
    negatable: true,
    description: 'Name of an ancestor process.',
  }),
  runtimeField({
    name: 'Process Arguments',
    syntax: regexSyntax,
    negatable: true,
    description: 'Arguments of a process (contains-match).',
  }),
  runtimeField({
    name: 'Process UID',
    syntax: numberSyntax,
    negatable: true,
    description: 'UID a process runs as.',
  }),
  runtimeField({
    name: 'Unexpected Process Executed',
    syntax: booleanSyntax,
    multiple: false,
    description: 'Process outside a locked baseline.',
  }),
  runtimeField({
    name: 'Unexpected Network Flow Detected',
    syntax: booleanSyntax,
    multiple: false,
    description: 'Flow outside the network baseline.',
  }),
  runtimeField({
    name: 'Kubernetes Resource',
    syntax: enumSyntax([
      'PODS_EXEC',
      'PODS_PORTFORWARD',
      'PODS_ATTACH',
      'SECRETS',
      'CONFIGMAPS',
      'CLUSTER_ROLES',
      'CLUSTER_ROLE_BINDINGS',
      'NETWORK_POLICIES',
      'SECURITY_CONTEXT_CONSTRAINTS',
      'EGRESS_FIREWALLS',
    ]),
    description: 'Kubernetes resource of an event.',
  }),
  runtimeField({
    name: 'Kubernetes API Verb',
    syntax: enumSyntax(['CREATE', 'DELETE', 'GET', 'PATCH', 'UPDATE']),
    description: 'API verb of an audit event.',
  }),
  runtimeField({
    name: 'Kubernetes Resource Name',
    syntax: prefixSyntax,
    negatable: true,
    description: 'Name of the resource in an audit event.',
  }),
  runtimeField({
    name: 'Kubernetes User Name',
    syntax: regexSyntax,
    negatable: true,
    description: 'User of an event.',
  }),
  runtimeField({
    name: 'Kubernetes User Groups',
    syntax: regexSyntax,
    negatable: true,
    description: 'Groups of the user of an event.',
  }),
  runtimeField({
    name: 'Is Impersonated User',
    syntax: booleanSyntax,
    multiple: false,
    description: 'Whether the request was impersonated.',
  }),
  runtimeField({
    name: 'Source IP Address',
    syntax: regexSyntax,
    negatable: true,
    description: 'Source IP of an audit event.',
  }),
  runtimeField({
    name: 'User Agent',
    syntax: prefixSyntax,
    negatable: true,
    description: 'User agent of an audit event.',
  }),
  runtimeField({
    name: 'File Path',
    syntax: regexSyntax,
    negatable: true,
    description: 'Path of a file activity event.',
  }),
  runtimeField({
    name: 'File Operation',
    syntax: enumSyntax([
      'OPEN',
      'CREATE',
      'RENAME',
      'UNLINK',
      'OWNERSHIP_CHANGE',
      'PERMISSION_CHANGE',
      'XATTR_CHANGE',
    ]),
    negatable: true,
    description: 'Operation of a file activity event.',
  }),
];
