import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { WeftError, isWeftError } from '@weft/core';
import type { HttpErrorMapper } from '@weft/core/plugin';
import type { ServeLogger } from '../context.js';
import { toProblem } from './problem.js';

/** Turns what Fastify throws before a handler runs (schema, parser, limits) into Weft errors. */
export function fromFastify(err: FastifyError): unknown {
  if (isWeftError(err)) return err;
  if (err.validation) {
    const part = err.validationContext ?? 'body';
    const errors = err.validation.map((v) => {
      const extra =
        v.keyword === 'additionalProperties'
          ? `/${String((v.params as { additionalProperty?: unknown }).additionalProperty)}`
          : v.keyword === 'required'
            ? `/${String((v.params as { missingProperty?: unknown }).missingProperty)}`
            : '';
      const message =
        v.keyword === 'additionalProperties'
          ? 'unknown field'
          : v.keyword === 'required'
            ? 'missing'
            : (v.message ?? 'is invalid');
      return { pointer: `/${part}${v.instancePath}${extra}`, message };
    });
    return new WeftError(
      'REQUEST_INVALID',
      `the request ${part} is invalid: ${errors.map((e) => `${e.pointer} ${e.message}`).join('; ')}`,
      { data: { errors } },
    );
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new WeftError('BODY_TOO_LARGE', 'the request body is larger than this service accepts', {
        data: { limit: 'limits.bodyBytes' },
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new WeftError('UNSUPPORTED_MEDIA_TYPE', 'send request bodies as application/json', {});
    default:
      break;
  }
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new WeftError('REQUEST_INVALID', `the request body is not valid JSON: ${err.message}`, {
      data: { errors: [{ pointer: '/body', message: 'not JSON' }] },
    });
  }
  const status = err.statusCode ?? 500;
  if (status === 413) return new WeftError('BODY_TOO_LARGE', err.message);
  if (status === 415) return new WeftError('UNSUPPORTED_MEDIA_TYPE', err.message);
  if (status >= 400 && status < 500) return new WeftError('REQUEST_INVALID', err.message);
  return err;
}

/** Sends a problem+json answer for any error (headers: Retry-After on 429/503, WWW-Authenticate on 401). */
export function sendProblem(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  mappers: readonly HttpErrorMapper[],
  log: ServeLogger,
): FastifyReply {
  const mapped = toProblem(error, request.url.split('?')[0] ?? request.url, mappers, request.id);
  if (mapped.internal) log.error({ err: error, requestId: request.id, url: request.url }, 'internal error');
  reply.code(mapped.problem.status).type('application/problem+json; charset=utf-8');
  if (mapped.retryAfter !== undefined) reply.header('retry-after', String(mapped.retryAfter));
  if (mapped.problem.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.send(JSON.stringify(mapped.problem));
}
