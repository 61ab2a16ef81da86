// Criteria fields about how each port is reachable, derived from Services, Ingresses, Routes and
// hostPorts (StackRox's port exposure model: UNSET, INTERNAL, NODE, HOST, EXTERNAL, ROUTE).

import type { PortExposure } from '../../model/index.ts';
import { defineField } from '../field.ts';
import type { FieldDefinition } from '../field.ts';
import { enumSyntax, numberSyntax, prefixSyntax } from '../values.ts';

const exposureWords: Record<PortExposure['level'], string> = {
  UNSET: 'by no Service',
  INTERNAL: 'inside the cluster',
  NODE: 'on every node',
  HOST: 'on the host',
  EXTERNAL: 'outside the cluster',
  ROUTE: 'through a Route',
};

const p = (e: PortExposure) =>
  `port ${e.containerPort}/${e.protocol} is exposed ${exposureWords[e.level]}${e.via ? ` via ${e.via}` : ''}${e.nodePort ? ` on node port ${e.nodePort}` : ''}`;

export const exposureFields: FieldDefinition[] = [
  defineField({
    name: 'Exposed Port',
    levels: ['exposure'],
    syntax: numberSyntax,
    negatable: true,
    description: 'Container port number of a declared or exposed port.',
    extract: ({ exposure }) => exposure.containerPort,
    describe: ({ exposure }) => p(exposure),
  }),
  defineField({
    name: 'Exposed Port Protocol',
    levels: ['exposure'],
    syntax: prefixSyntax,
    negatable: true,
    description: 'Protocol of the port (TCP, UDP, SCTP).',
    extract: ({ exposure }) => exposure.protocol,
    describe: ({ exposure }) => p(exposure),
  }),
  defineField({
    name: 'Exposed Node Port',
    levels: ['exposure'],
    syntax: numberSyntax,
    negatable: true,
    description: 'Node port (or host port) the port is reachable on.',
    extract: ({ exposure }) => (exposure.nodePort > 0 ? exposure.nodePort : undefined),
    describe: ({ exposure }) => p(exposure),
  }),
  defineField({
    name: 'Port Exposure Method',
    levels: ['exposure'],
    syntax: enumSyntax(['UNSET', 'EXTERNAL', 'NODE', 'HOST', 'INTERNAL', 'ROUTE']),
    negatable: true,
    description: 'How the port is reachable.',
    extract: ({ exposure }) => exposure.level,
    describe: ({ exposure }) => p(exposure),
  }),
];
