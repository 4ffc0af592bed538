// The headers every response carries (spec §1.3), kept in one place so the Events fast path writes exactly what
// the generic middleware sets.
export const DEFAULT_HEADERS: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'sameorigin',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, X-Requested-With, X-Tb-Warning',
  'Access-Control-Expose-Headers': 'X-Tb-Warning',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Max-Age': '86400',
};

/** DEFAULT_HEADERS as `[name, value, name, value, ...]`, the raw form `res.writeHead` takes without copying. */
export const DEFAULT_HEADER_LIST: readonly string[] = Object.entries(DEFAULT_HEADERS).flat();
