// Criteria fields about volumes: per container mount (StackRox's volume fields, which it reports
// per container) and per pod volume (Palisade's, for checks on the pod spec itself).

import type { VolumeMount } from '../../model/index.ts';
import { defineField } from '../field.ts';
import type { FieldDefinition } from '../field.ts';
import { booleanSyntax, enumSyntax, regexSyntax } from '../values.ts';

const m = (text: string, mount: VolumeMount, container: string) =>
  `container '${container}' mounts volume '${mount.name}' (${mount.volume?.type ?? 'unknown'}${mount.volume?.source ? ` ${mount.volume.source}` : ''}) at ${mount.mountPath}${text}`;

export const volumeFields: FieldDefinition[] = [
  defineField({
    name: 'Volume Name',
    levels: ['mount'],
    syntax: regexSyntax,
    negatable: true,
    description: 'Name of a mounted volume.',
    extract: ({ mount }) => mount.name,
    describe: ({ mount, container }) => m('', mount, container.name),
  }),
  defineField({
    name: 'Volume Source',
    levels: ['mount'],
    syntax: regexSyntax,
    negatable: true,
    description: 'Source of a mounted volume: hostPath path, Secret, ConfigMap or claim name.',
    extract: ({ mount }) => mount.volume?.source ?? '',
    describe: ({ mount, container }) => m('', mount, container.name),
  }),
  defineField({
    name: 'Volume Destination',
    levels: ['mount'],
    syntax: regexSyntax,
    negatable: true,
    description: 'Mount path in the container.',
    extract: ({ mount }) => mount.mountPath,
    describe: ({ mount, container }) => m('', mount, container.name),
  }),
  defineField({
    name: 'Volume Type',
    levels: ['mount'],
    syntax: regexSyntax,
    negatable: true,
    description:
      'Type of a mounted volume as the pod spec names it (hostPath, secret, configMap, emptyDir, …).',
    extract: ({ mount }) => mount.volume?.type ?? '',
    describe: ({ mount, container }) => m('', mount, container.name),
  }),
  defineField({
    name: 'Writable Mounted Volume',
    levels: ['mount'],
    syntax: booleanSyntax,
    multiple: false,
    description: 'Whether the mount is writable (readOnly not true).',
    extract: ({ mount }) => !mount.readOnly,
    describe: ({ mount, container }) => m(' writable; set readOnly: true', mount, container.name),
  }),
  defineField({
    name: 'Writable Host Mount',
    levels: ['mount'],
    syntax: booleanSyntax,
    multiple: false,
    description: 'Whether a hostPath volume is mounted writable.',
    extract: ({ mount }) => mount.volume?.type === 'hostPath' && !mount.readOnly,
    describe: ({ mount, container }) => m(' writable; set readOnly: true', mount, container.name),
  }),
  defineField({
    name: 'Mount Propagation',
    levels: ['mount'],
    syntax: enumSyntax(['NONE', 'HOSTTOCONTAINER', 'BIDIRECTIONAL']),
    negatable: true,
    description: 'mountPropagation of the mount (NONE when unset).',
    extract: ({ mount }) => mount.mountPropagation.toUpperCase(),
    describe: ({ mount, container }) =>
      m(` with mount propagation ${mount.mountPropagation}`, mount, container.name),
  }),
  defineField({
    name: 'Pod Volume Type',
    levels: ['volume'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'Source type of a pod volume, mounted or not (hostPath, nfs, secret, …).',
    extract: ({ volume }) => volume.type,
    describe: ({ volume, workload }) =>
      `${workload.workloadKind.toLowerCase()} '${workload.meta.name}' has ${volume.type} volume '${volume.name}'${volume.source ? ` (${volume.source})` : ''}`,
  }),
  defineField({
    name: 'Host Path',
    levels: ['volume'],
    syntax: regexSyntax,
    negatable: true,
    extension: true,
    description: 'Path of a hostPath pod volume (no value for other volume types).',
    extract: ({ volume }) => (volume.type === 'hostPath' ? volume.source : undefined),
    describe: ({ volume, workload }) =>
      `${workload.workloadKind.toLowerCase()} '${workload.meta.name}' mounts host path '${volume.source}' (volume '${volume.name}')`,
  }),
];
