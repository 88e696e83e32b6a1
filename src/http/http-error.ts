/** An error meant for the person at the browser: its status picks the error page shown. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: 400 | 403 | 404 | 409 | 413 | 429,
    message = `HTTP ${statusCode}`,
  ) {
    super(message);
  }
}

export const forbidden = () => new HttpError(403, 'forbidden');
export const notFound = () => new HttpError(404, 'not found');

/** The CSRF check failed: its own page, because the fix (reload, resend) is the user's. */
export class CsrfError extends Error {
  readonly statusCode = 403;
}
