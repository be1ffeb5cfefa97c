/**
 * Text from a tenant (app names, titles, subjects, error details) on a terminal: the one
 * helper every renderer uses. Names are user input, and some characters act on the
 * terminal rather than print: control characters (an ESC starts a terminal command, a
 * newline forges a line of output) and the Unicode direction controls (U+202E RIGHT-TO-LEFT
 * OVERRIDE shows `‮gnp.exe` as `exe.png`; embeddings, isolates and marks reorder what
 * follows). They are shown escaped — `\n`, `\t`, `\x1B`, `\u202E` — so what the user sees is
 * what the name holds. Invisible separators (zero-width space, BOM, line and paragraph
 * separators) and unpaired surrogates are escaped too. Everything else prints as it is
 * (emoji sequences with ZERO WIDTH JOINER included).
 *
 * @example
 * escapeText("Q3\u202Efdp.exe") // "Q3\\u202Efdp.exe"
 * clean("a\nb".padEnd(100, "z"), 10) // "a\\nbzzzzz…"
 */

// C0 and C1 controls and DEL; direction marks, embeddings, overrides and isolates (U+061C,
// U+200E–U+200F, U+202A–U+202E, U+2066–U+2069); U+200B, U+2028, U+2029, U+FEFF; lone surrogates.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  const hex = code.toString(16).toUpperCase();
  return code <= 0xff ? `\\x${hex.padStart(2, "0")}` : `\\u${hex.padStart(4, "0")}`;
}

/** `text` with control, direction and invisible-separator characters shown as escapes. */
export function escapeText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Escaped (see `escapeText`) and shortened to `max` characters of the original, with "…". */
export function clean(text: string, max = 80): string {
  const chars = [...text];
  const short = chars.length > max ? chars.slice(0, max - 1).join("") + "…" : text;
  return escapeText(short);
}
