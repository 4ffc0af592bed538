// One datafile line → words, the way the Tinybird CLI tokenizes it: Python `shlex.shlex(line)` in its default
// non-POSIX mode with `whitespace_split = True` (spec §9.1). A word that starts with a quote runs to the matching
// quote and keeps both quotes (`_unquote` strips them later); quotes inside a word are ordinary characters;
// `#` outside a quoted word starts a comment; there are no escapes.

const WHITESPACE = ' \t\r\n';
const QUOTES = `'"`;

/** Words of `line`, or null when a quoted word is not closed (shlex raises `No closing quotation`). */
export function splitLine(line: string): string[] | null {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (WHITESPACE.includes(c)) {
      i++;
    } else if (c === '#') {
      break;
    } else if (QUOTES.includes(c)) {
      const end = line.indexOf(c, i + 1);
      if (end < 0) return null;
      words.push(line.slice(i, end + 1));
      i = end + 1;
    } else {
      let j = i;
      while (j < line.length && !WHITESPACE.includes(line[j]!) && line[j] !== '#') j++;
      words.push(line.slice(i, j));
      i = j;
      if (line[j] === '#') break;
    }
  }
  return words;
}

/** Tinybird's `_unquote`: drops the first and last character when both are quotes (not necessarily the same). */
export function unquote(value: string): string {
  if (value.length >= 1 && QUOTES.includes(value[0]!) && QUOTES.includes(value[value.length - 1]!)) {
    return value.slice(1, -1);
  }
  return value;
}
