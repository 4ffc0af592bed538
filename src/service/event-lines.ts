// The Events API body is NDJSON, but Tinybird's own curl examples send one pretty-printed object
// (`-d '{\n "a": 1\n}'`), and a JSON array of rows is harmless to accept (spec §2.1 REC). This puts every top-level
// JSON value on a line of its own so the storage engine can treat the body as NDJSON.

function isOneLineObject(line: string): boolean {
  const t = line.trim();
  return t === '' || (t.startsWith('{') && t.endsWith('}'));
}

/**
 * `text.split('\n').every(isOneLineObject)` without making a string per line (a 10,000-row body is 10,000 lines):
 * lines that start with `{` and end with `}` (or `}\r`) are one-line objects whatever trim() would remove.
 */
function allOneLineObjects(text: string): boolean {
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const last = text.charCodeAt(end - 1) === 0x0d ? end - 2 : end - 1;
    const plain = end > start && text.charCodeAt(start) === 0x7b && last >= start && text.charCodeAt(last) === 0x7d;
    if (!plain && !isOneLineObject(text.slice(start, end))) return false;
    start = end + 1;
  }
  return true;
}

const NON_BLANK = /\S/;

/** Joins the lines of multi-line values; the common case (already NDJSON) is returned as is, without copying. */
export function eventLines(body: string): string {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  // Only a body whose first non-blank character is `[` can be an array (\s is trim()'s set; trim() copies, and
  // search() does not build a match array).
  if (text.charCodeAt(text.search(NON_BLANK)) === 0x5b) {
    const trimmed = text.trim();
    try {
      const rows: unknown = JSON.parse(trimmed);
      if (Array.isArray(rows)) return rows.map((r) => JSON.stringify(r)).join('\n');
    } catch {
      // Not a JSON array: fall through and let each line be judged (and quarantined) on its own.
    }
  }
  if (allOneLineObjects(text)) return text;
  let out = '';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = 0;
  // Newlines inside an object or array become spaces; newlines inside strings are invalid JSON anyway and are kept.
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      else if (c === '\n') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth = Math.max(0, depth - 1);
    else if ((c === '\n' || c === '\r') && depth > 0) {
      out += text.slice(start, i) + ' ';
      start = i + 1;
    }
  }
  return out + text.slice(start);
}
