// PingOne's two error shapes: the management API's `{id, code, message, details}` and the token
// endpoint's OAuth `{error, error_description}` with a Correlation ID inside the description.
import { randomUUID } from 'node:crypto';
import type { SimReply } from './server';

export interface PingOneErrorDetail { code: string; target?: string; message: string }

export function managementError(status: number, code: string, message: string, details: PingOneErrorDetail[] = []): SimReply {
  return { status, body: { id: randomUUID(), code, message, details } };
}

export const invalidToken = (): SimReply =>
  managementError(401, 'INVALID_TOKEN', 'The request could not be completed. The access token is invalid, expired or revoked.');

export const insufficientPermissions = (target: string): SimReply =>
  managementError(403, 'ACCESS_FAILED', 'The request could not be completed. You do not have access to this resource.', [
    { code: 'INSUFFICIENT_PERMISSIONS', target, message: 'The actor attempting to perform the request is not authorized.' },
  ]);

export const notFound = (what: string): SimReply =>
  managementError(404, 'NOT_FOUND', `The requested ${what} could not be found.`);

export const invalidData = (detailCode: string, target: string, message: string): SimReply =>
  managementError(400, 'INVALID_DATA', 'The request could not be completed. One or more validation errors were in the request.', [
    { code: detailCode, target, message },
  ]);

export const requestLimited = (): SimReply => ({
  ...managementError(429, 'REQUEST_LIMITED', 'The request could not be completed. Too many requests.', [
    { code: 'LIMIT_EXCEEDED', message: 'The rate limit for this resource has been exceeded.' },
  ]),
  headers: { 'Retry-After': '1' },
});

/** How a non-existent environment is answered; real tenants vary, so tests choose. */
export function unknownEnvironment(status: 400 | 401 | 403 | 404): SimReply {
  switch (status) {
    case 400: return invalidData('INVALID_VALUE', 'environmentId', 'The environment id is not valid.');
    case 401: return invalidToken();
    case 403: return insufficientPermissions('environment');
    case 404: return notFound('environment');
  }
}

export function oauthError(status: number, error: string, reason: string): SimReply {
  return {
    status,
    headers: { 'Cache-Control': 'no-store' },
    body: { error, error_description: `Request denied: ${reason} (Correlation ID: ${randomUUID()})` },
  };
}

/** 429 as a gateway may send it: no Retry-After at all. */
export const requestLimitedWithoutRetryAfter = (): SimReply =>
  managementError(429, 'REQUEST_LIMITED', 'The request could not be completed. Too many requests.');

/** A proxy in front of PingOne refusing the request: 403 with an HTML page, not PingOne's JSON. */
export const proxyForbiddenHtml = (): SimReply => ({
  status: 403,
  headers: { 'Content-Type': 'text/html' },
  body: '<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>',
});

/** 401 with nothing in the body, as PingOne's edge sends for a token it no longer knows. */
export const emptyUnauthorized = (): SimReply => ({ status: 401, body: '' });
