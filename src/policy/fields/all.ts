// The explicit list of criteria field families; the registry is built from it.
import type { FieldDefinition } from '../field.ts';
import { containerFields } from './container.ts';
import { exposureFields } from './exposure.ts';
import { imageFields } from './image.ts';
import { objectFields } from './objects.ts';
import { runtimeFields } from './runtime.ts';
import { volumeFields } from './volume.ts';
import { workloadFields } from './workload.ts';

export const allFields: readonly FieldDefinition[] = [
  ...workloadFields,
  ...containerFields,
  ...volumeFields,
  ...exposureFields,
  ...imageFields,
  ...runtimeFields,
  ...objectFields,
];
