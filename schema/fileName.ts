/**
 * A file name as Relais stores, shows, sends in a header and writes into a ZIP (SPEC §9): one
 * segment, nothing a terminal, a browser or an unzip tool reads as a path or as a hidden
 * instruction. The server cleans a name when it stores one and again wherever it hands one out
 * (a name in a shared document may predate the rule); the client cleans what it shows.
 */

/** Longest name kept, in characters, extension included. */
export const MAX_FILE_NAME = 150;

/**
 * Control characters (Cc: newline, NUL...), format characters (Cf: bidi overrides such as U+202E
 * that show «exe.pdf» for «fdp.exe», zero-width joiners), and the line and paragraph separators.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
/** Reserved on Windows, or quoting trouble in a header. */
const RESERVED = /["<>|:*?]/g;

/**
 * The last path segment of `raw`, without invisible or reserved characters, leading dots (no
 * «..», no hidden file) or trailing dots and spaces, at most MAX_FILE_NAME characters; `fallback`
 * when nothing is left.
 */
export function safeFileName(raw: string | null | undefined, fallback = 'document'): string {
  const cleaned = (raw ?? '').normalize('NFC').replace(INVISIBLE, '').replace(RESERVED, '');
  // Separators are looked for after the invisible characters are gone, so none hides a path.
  const segment = cleaned.split(/[\\/]/).pop() ?? '';
  const trimmed = segment.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  const chars = Array.from(trimmed);
  const kept = chars.length > MAX_FILE_NAME ? keepExtension(chars) : trimmed;
  return kept || fallback;
}

/** Cut in the middle of the stem, so that a long name keeps its extension. */
function keepExtension(chars: string[]): string {
  const name = chars.join('');
  const extension = /\.[\p{L}\p{N}]{1,5}$/u.exec(name)?.[0] ?? '';
  const stem = Array.from(name.slice(0, name.length - extension.length));
  return stem.slice(0, MAX_FILE_NAME - extension.length).join('').trimEnd() + extension;
}
