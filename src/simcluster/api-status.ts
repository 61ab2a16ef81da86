// Kubernetes Status objects for failed requests (meta/v1 Status; reasons and codes from
// k8s.io/apimachinery/pkg/apis/meta/v1 StatusReason and pkg/api/errors). Failures travel as
// PalisadeError with the reason and Status details in `details`; an unknown error becomes an
// InternalError that reveals nothing of the server.

import { PalisadeError } from '../model/index.ts';
import type { JsonObject } from './json-value.ts';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'Invalid'
  | 'InternalError';

const httpCodes: Readonly<Record<StatusReason, number>> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  InternalError: 500,
};

/** A field problem of an Invalid status (metav1.StatusCause). */
export interface StatusCause {
  readonly reason:
    'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueDuplicate' | 'FieldValueNotSupported';
  readonly message: string;
  readonly field: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  /** The resource (plural) for most reasons, the Kind for Invalid, as the API server does. */
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
}

function kebab(reason: StatusReason): string {
  return reason.replace(/(?<=[a-z])(?=[A-Z])/g, '-').toLowerCase();
}

export function apiError(
  reason: StatusReason,
  message: string,
  details: StatusDetails = {},
  cause?: unknown,
): PalisadeError {
  return new PalisadeError(kebab(reason), message, {
    status: httpCodes[reason],
    details: { reason, ...details },
    cause,
  });
}

/** The resource name as errors print it: "pods", "deployments.apps". */
export function qualifiedResource(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

export function notFound(resource: string, group: string, name: string): PalisadeError {
  return apiError('NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, {
    name,
    group,
    kind: resource,
  });
}

/** The Status body and HTTP code for any error; unknown errors say nothing about the server. */
export function toStatus(error: unknown): { code: number; body: JsonObject } {
  if (error instanceof PalisadeError && typeof error.details['reason'] === 'string') {
    const { reason, ...details } = error.details;
    return {
      code: error.status,
      body: statusBody(error.status, reason as StatusReason, error.message, details),
    };
  }
  const message = 'an error on the server has prevented the request from succeeding';
  return { code: 500, body: statusBody(500, 'InternalError', message, {}) };
}

function statusBody(
  code: number,
  reason: StatusReason,
  message: string,
  details: Readonly<Record<string, unknown>>,
): JsonObject {
  const body: JsonObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
  };
  if (Object.keys(details).length > 0)
    body['details'] = JSON.parse(JSON.stringify(details)) as JsonObject;
  body['code'] = code;
  return body;
}

/** The Status a successful delete answers with for most resources. */
export function successStatus(details: StatusDetails): JsonObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: JSON.parse(JSON.stringify(details)) as JsonObject,
  };
}
