// Decodes the protobuf request bodies kubectl's typed clients send (client-go 1.35 defaults
// built-in types to application/vnd.kubernetes.protobuf: `kubectl create namespace`, `create
// deployment`, `create configmap|secret|serviceaccount`, `run`). Envelope and wire format per
// k8s.io/apimachinery/pkg/runtime/serializer/protobuf ("k8s\0" + runtime.Unknown); field numbers
// from k8s.io/api generated.proto. Only the messages below are known: a body that sets any
// other field is refused (BadRequest) rather than silently stored without it.

import { apiError } from './api-status.ts';
import { setField, type JsonObject, type JsonValue } from './json-value.ts';

type Scalar = 'string' | 'bytes' | 'int32' | 'int64' | 'bool';
type Special = 'Time' | 'Quantity' | 'IntOrString';

interface FieldSpec {
  readonly name: string;
  readonly type:
    Scalar | Special | { readonly message: string } | { readonly map: Scalar | Special };
  readonly repeated?: true;
  /** A Go pointer field: zero values are meaningful and kept (others are omitempty). */
  readonly pointer?: true;
}

const s = (name: string): FieldSpec => ({ name, type: 'string' });
const strings = (name: string): FieldSpec => ({ name, type: 'string', repeated: true });
const msg = (name: string, message: string, repeated = false): FieldSpec =>
  repeated ? { name, type: { message }, repeated: true } : { name, type: { message } };
const ptr = (name: string, type: Scalar): FieldSpec => ({ name, type, pointer: true });
const val = (name: string, type: Scalar | Special): FieldSpec => ({ name, type });
const map = (name: string, type: Scalar | Special): FieldSpec => ({ name, type: { map: type } });

const objectTop = (spec?: string, status?: string): Record<number, FieldSpec> => ({
  1: msg('metadata', 'ObjectMeta'),
  ...(spec === undefined ? {} : { 2: msg('spec', spec) }),
  ...(status === undefined ? {} : { 3: msg('status', status) }),
});

const schemas: Readonly<Record<string, Readonly<Record<number, FieldSpec>>>> = {
  TypeMeta: { 1: s('apiVersion'), 2: s('kind') },
  Unknown: {
    1: msg('typeMeta', 'TypeMeta'),
    2: val('raw', 'bytes'),
    3: s('contentEncoding'),
    4: s('contentType'),
  },
  ObjectMeta: {
    1: s('name'),
    2: s('generateName'),
    3: s('namespace'),
    4: s('selfLink'),
    5: s('uid'),
    6: s('resourceVersion'),
    7: val('generation', 'int64'),
    8: val('creationTimestamp', 'Time'),
    9: val('deletionTimestamp', 'Time'),
    10: ptr('deletionGracePeriodSeconds', 'int64'),
    11: map('labels', 'string'),
    12: map('annotations', 'string'),
    13: msg('ownerReferences', 'OwnerReference', true),
    14: strings('finalizers'),
  },
  OwnerReference: {
    1: s('kind'),
    3: s('name'),
    4: s('uid'),
    5: s('apiVersion'),
    6: ptr('controller', 'bool'),
    7: ptr('blockOwnerDeletion', 'bool'),
  },
  LabelSelector: {
    1: map('matchLabels', 'string'),
    2: msg('matchExpressions', 'LabelSelectorRequirement', true),
  },
  LabelSelectorRequirement: { 1: s('key'), 2: s('operator'), 3: strings('values') },
  LocalObjectReference: { 1: s('name') },
  // core/v1
  Namespace: objectTop('NamespaceSpec', 'NamespaceStatus'),
  NamespaceSpec: { 1: strings('finalizers') },
  NamespaceStatus: { 1: s('phase') },
  ConfigMap: {
    ...objectTop(),
    2: map('data', 'string'),
    3: map('binaryData', 'bytes'),
    4: ptr('immutable', 'bool'),
  },
  Secret: {
    ...objectTop(),
    2: map('data', 'bytes'),
    3: s('type'),
    4: map('stringData', 'string'),
    5: ptr('immutable', 'bool'),
  },
  ServiceAccount: {
    ...objectTop(),
    3: msg('imagePullSecrets', 'LocalObjectReference', true),
    4: ptr('automountServiceAccountToken', 'bool'),
  },
  Pod: objectTop('PodSpec', 'PodStatus'),
  PodStatus: { 1: s('phase') },
  PodTemplateSpec: objectTop('PodSpec'),
  PodSpec: {
    2: msg('containers', 'Container', true),
    3: s('restartPolicy'),
    4: ptr('terminationGracePeriodSeconds', 'int64'),
    6: s('dnsPolicy'),
    7: map('nodeSelector', 'string'),
    8: s('serviceAccountName'),
    9: s('serviceAccount'),
    10: s('nodeName'),
    11: val('hostNetwork', 'bool'),
    12: val('hostPID', 'bool'),
    13: val('hostIPC', 'bool'),
    15: msg('imagePullSecrets', 'LocalObjectReference', true),
    16: s('hostname'),
    17: s('subdomain'),
    19: s('schedulerName'),
    20: msg('initContainers', 'Container', true),
    21: ptr('automountServiceAccountToken', 'bool'),
    24: s('priorityClassName'),
    25: ptr('priority', 'int32'),
    30: ptr('enableServiceLinks', 'bool'),
  },
  Container: {
    1: s('name'),
    2: s('image'),
    3: strings('command'),
    4: strings('args'),
    5: s('workingDir'),
    6: msg('ports', 'ContainerPort', true),
    7: msg('env', 'EnvVar', true),
    8: msg('resources', 'ResourceRequirements'),
    13: s('terminationMessagePath'),
    14: s('imagePullPolicy'),
    16: val('stdin', 'bool'),
    17: val('stdinOnce', 'bool'),
    18: val('tty', 'bool'),
    20: s('terminationMessagePolicy'),
  },
  ContainerPort: {
    1: s('name'),
    2: val('hostPort', 'int32'),
    3: val('containerPort', 'int32'),
    4: s('protocol'),
    5: s('hostIP'),
  },
  EnvVar: { 1: s('name'), 2: s('value') },
  ResourceRequirements: { 1: map('limits', 'Quantity'), 2: map('requests', 'Quantity') },
  // apps/v1
  Deployment: objectTop('DeploymentSpec', 'DeploymentStatus'),
  DeploymentSpec: {
    1: ptr('replicas', 'int32'),
    2: msg('selector', 'LabelSelector'),
    3: msg('template', 'PodTemplateSpec'),
    4: msg('strategy', 'DeploymentStrategy'),
    5: val('minReadySeconds', 'int32'),
    6: ptr('revisionHistoryLimit', 'int32'),
    7: val('paused', 'bool'),
    9: ptr('progressDeadlineSeconds', 'int32'),
  },
  DeploymentStrategy: { 1: s('type'), 2: msg('rollingUpdate', 'RollingUpdateDeployment') },
  RollingUpdateDeployment: {
    1: val('maxUnavailable', 'IntOrString'),
    2: val('maxSurge', 'IntOrString'),
  },
  DeploymentStatus: {},
};

/** Messages whose empty encoding still means "present" ({}), as Go's non-pointer structs do. */
const alwaysPresent = new Set(['metadata', 'spec', 'status', 'resources', 'template', 'strategy']);

/** The protobuf envelope's magic prefix ("k8s\0"). */
const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  offset = 0;
  constructor(readonly bytes: Buffer) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.offset >= this.bytes.length || shift > 63n) throw malformed('truncated varint');
      const byte = this.bytes[this.offset++] ?? 0;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  lengthDelimited(): Buffer {
    const length = Number(this.varint());
    if (this.offset + length > this.bytes.length) throw malformed('truncated field');
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  skip(wireType: number): boolean {
    switch (wireType) {
      case 0:
        return this.varint() !== 0n;
      case 1:
        this.offset += 8;
        return true;
      case 2:
        return this.lengthDelimited().length > 0;
      case 5:
        this.offset += 4;
        return true;
      default:
        throw malformed(`unsupported wire type ${wireType}`);
    }
  }
}

function malformed(why: string): Error {
  return apiError('BadRequest', `the protobuf body is malformed: ${why}`);
}

function signed(value: bigint, bits: 32 | 64): number {
  return Number(BigInt.asIntN(bits, value));
}

function decodeScalar(type: Scalar | Special, reader: Reader, wireType: number): JsonValue {
  switch (type) {
    case 'string':
      return reader.lengthDelimited().toString('utf8');
    case 'bytes':
      return reader.lengthDelimited().toString('base64');
    case 'int32':
      return signed(reader.varint(), 32);
    case 'int64':
      return signed(reader.varint(), 64);
    case 'bool':
      return reader.varint() !== 0n;
    case 'Time': {
      const time = decodeMessage('TimeValue', reader.lengthDelimited());
      const seconds = typeof time['seconds'] === 'number' ? time['seconds'] : 0;
      return seconds === 0
        ? null
        : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    case 'Quantity':
      return decodeMessage('QuantityValue', reader.lengthDelimited())['string'] ?? '';
    case 'IntOrString': {
      const value = decodeMessage('IntOrStringValue', reader.lengthDelimited());
      return value['type'] === 1 ? (value['strVal'] ?? '') : (value['intVal'] ?? 0);
    }
  }
  void wireType;
}

const internalSchemas: Readonly<Record<string, Readonly<Record<number, FieldSpec>>>> = {
  TimeValue: { 1: val('seconds', 'int64'), 2: val('nanos', 'int32') },
  QuantityValue: { 1: s('string') },
  IntOrStringValue: { 1: val('type', 'int64'), 2: val('intVal', 'int32'), 3: s('strVal') },
  MapEntry: {},
};

function isZero(value: JsonValue): boolean {
  return value === '' || value === 0 || value === false || value === null;
}

function decodeMessage(name: string, bytes: Buffer): JsonObject {
  const schema = schemas[name] ?? internalSchemas[name];
  if (schema === undefined) throw malformed(`no schema for ${name}`);
  const reader = new Reader(bytes);
  const out: JsonObject = {};
  while (!reader.done) {
    const tag = reader.varint();
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    const spec = schema[field];
    if (spec === undefined) {
      if (reader.skip(wireType))
        throw apiError(
          'BadRequest',
          `field ${field} of ${name} in this protobuf body is not supported by the simulated API server; send the object as JSON or YAML (kubectl apply -f)`,
        );
      continue;
    }
    const type = spec.type;
    if (typeof type === 'object' && 'map' in type) {
      const entry = reader.lengthDelimited();
      const entryReader = new Reader(entry);
      let key = '';
      let value: JsonValue = type.map === 'bytes' ? '' : '';
      while (!entryReader.done) {
        const entryTag = entryReader.varint();
        const entryField = Number(entryTag >> 3n);
        if (entryField === 1) key = entryReader.lengthDelimited().toString('utf8');
        else if (entryField === 2)
          value = decodeScalar(type.map, entryReader, Number(entryTag & 7n));
        else entryReader.skip(Number(entryTag & 7n));
      }
      const target = (out[spec.name] ??= {}) as JsonObject;
      setField(target, key, value);
      continue;
    }
    const value: JsonValue =
      typeof type === 'object'
        ? decodeMessage(type.message, reader.lengthDelimited())
        : decodeScalar(type, reader, wireType);
    if (spec.repeated === true) {
      ((out[spec.name] ??= []) as JsonValue[]).push(value);
      continue;
    }
    if (
      typeof type === 'object' &&
      Object.keys(value as JsonObject).length === 0 &&
      !alwaysPresent.has(spec.name)
    )
      continue;
    if (spec.pointer !== true && isZero(value)) continue;
    setField(out, spec.name, value);
  }
  return out;
}

/** Whether a body is a Kubernetes protobuf envelope. */
export function isProtobufEnvelope(bytes: Buffer): boolean {
  return bytes.length >= magic.length && bytes.subarray(0, magic.length).equals(magic);
}

/** Decodes an enveloped object (runtime.Unknown) into its JSON form, with apiVersion and kind. */
export function decodeProtobufObject(bytes: Buffer): JsonObject {
  if (!isProtobufEnvelope(bytes)) throw malformed('missing the "k8s\\0" prefix');
  const unknown = decodeMessage('Unknown', bytes.subarray(magic.length));
  const typeMeta = (unknown['typeMeta'] ?? {}) as JsonObject;
  const kind = typeof typeMeta['kind'] === 'string' ? typeMeta['kind'] : '';
  const apiVersion = typeof typeMeta['apiVersion'] === 'string' ? typeMeta['apiVersion'] : '';
  if (schemas[kind] === undefined || !Object.hasOwn(schemas[kind], 1))
    throw apiError(
      'UnsupportedMediaType',
      `protobuf bodies for kind "${kind}" are not supported by the simulated API server; send the object as JSON or YAML (kubectl apply -f)`,
    );
  const raw = Buffer.from(typeof unknown['raw'] === 'string' ? unknown['raw'] : '', 'base64');
  return { apiVersion, kind, ...decodeMessage(kind, raw) };
}
