import type { FastifyReply } from 'fastify';

/** google.rpc.Code names for the HTTP statuses this server answers, as Google APIs spell them in error bodies. */
const STATUS_NAMES: Readonly<Record<number, string>> = Object.freeze({
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  413: 'INVALID_ARGUMENT',
  415: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
});

/** The body of every error answer: `{"error": {"code", "status", "message", "requestId"}}`, Google's error shape. */
export interface ErrorBody {
  error: { code: number; status: string; message: string; requestId: string };
}

/** An answer other than 200, thrown inside the server and turned into an {@link ErrorBody} in one place. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly statusCode: number;
  readonly status: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.statusCode = statusCode;
    this.status = statusName(statusCode);
    this.headers = headers;
  }
}

export function statusName(statusCode: number): string {
  return STATUS_NAMES[statusCode] ?? (statusCode >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
}

export function errorBody(error: HttpError, requestId: string): ErrorBody {
  return { error: { code: error.statusCode, status: error.status, message: error.message, requestId } };
}

/** Answer `error` as JSON with its status and headers. */
export function sendError(reply: FastifyReply, error: HttpError): FastifyReply {
  return reply.code(error.statusCode).headers(error.headers).type('application/json; charset=utf-8').send(errorBody(error, reply.request.id));
}
