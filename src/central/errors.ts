// Central's one error shape on the wire: `{ error: { code, message, details } }` with the HTTP
// status. Known failures (PalisadeError, fastify's body and validation errors) say what is wrong;
// anything else is a 500 that reveals nothing and is logged whole.

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { PalisadeError } from '../model/index.ts';

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: Readonly<Record<string, unknown>>;
  };
}

export function errorBody(
  code: string,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): ErrorBody {
  return { error: { code, message, details } };
}

/** A validation issue as fastify-type-provider-zod reports it: a JSON pointer and a message. */
interface ValidationIssue {
  readonly instancePath?: string;
  readonly message?: string;
}

function describeValidation(error: FastifyError & { validation: readonly ValidationIssue[] }): {
  message: string;
  fields: string[];
} {
  const where = error.validationContext ?? 'body';
  const fields: string[] = [];
  const parts = error.validation.slice(0, 5).map((issue) => {
    const path = (issue.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
    const field = path === '' ? where : `${where}.${path}`;
    fields.push(field);
    return `${field}: ${issue.message ?? 'invalid'}`;
  });
  return { message: parts.join('; '), fields };
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && 'code' in error && typeof error.code === 'string';
}

/** Maps an error to its status and body; unknown errors become an opaque 500. */
export function toErrorResponse(
  error: unknown,
  limits: { readonly bodyLimit: number },
): { status: number; body: ErrorBody; internal: boolean } {
  if (error instanceof PalisadeError) {
    const status = error.status >= 400 && error.status < 600 ? error.status : 500;
    if (status >= 500) {
      return { status, body: errorBody('internal', 'internal server error'), internal: true };
    }
    return { status, body: errorBody(error.code, error.message, error.details), internal: false };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const { message, fields } = describeValidation(error);
    return {
      status: 400,
      body: errorBody('request-invalid', message, { fields }),
      internal: false,
    };
  }
  if (isFastifyError(error)) {
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return {
          status: 413,
          body: errorBody(
            'body-too-large',
            `request body is larger than the limit of ${limits.bodyLimit} bytes`,
            { limit: limits.bodyLimit },
          ),
          internal: false,
        };
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return {
          status: 400,
          body: errorBody('json-invalid', `request body is not valid JSON: ${error.message}`),
          internal: false,
        };
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return {
          status: 415,
          body: errorBody('media-type-unsupported', 'send the request body as application/json'),
          internal: false,
        };
      default:
        break;
    }
    // fastify's own 4xx errors (bad content-length, …) carry a status and a safe message.
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return {
        status,
        body: errorBody('request-invalid', error.message),
        internal: false,
      };
    }
  }
  // A JSON body that fails to parse surfaces as a SyntaxError with status 400 in fastify 5.
  if (error instanceof SyntaxError && 'statusCode' in error && error.statusCode === 400) {
    return {
      status: 400,
      body: errorBody('json-invalid', `request body is not valid JSON: ${error.message}`),
      internal: false,
    };
  }
  return { status: 500, body: errorBody('internal', 'internal server error'), internal: true };
}

export function installErrorHandling(
  app: FastifyInstance,
  limits: { readonly bodyLimit: number },
): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const response = toErrorResponse(error, limits);
    if (response.internal) {
      request.log.error({ err: error }, 'request failed');
    }
    return reply.status(response.status).send(response.body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(
        errorBody('route-not-found', `no route ${request.method} ${request.url.split('?')[0]}`),
      ),
  );
}
