/**
 * The run's base URL when none was given: k6 scripts write absolute URLs
 * and need none. A relative URL is then an error that says to give --host;
 * `.invalid` (RFC 2606) can never resolve, so nothing is sent by mistake.
 */
export const NO_HOST = 'http://no-host.invalid';

export const hasHost = (host: string): boolean => !host.startsWith(NO_HOST);
