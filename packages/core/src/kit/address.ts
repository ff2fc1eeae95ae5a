/**
 * A broker URL fit for an error message or a log: scheme, host, port and path, without user,
 * password or query (which may hold secrets). A string that is not a URL is returned as it is.
 */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return url;
  }
}
