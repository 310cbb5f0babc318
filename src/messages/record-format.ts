/**
 * How the topic browser shows bytes read from Kafka: text as it is, JSON pretty-printed, and
 * anything else (invalid UTF-8, control characters) as hex. Pure functions; escaping for HTML is
 * left to the templates (`<%=`), which treat every result as text.
 */

export type ByteFormat = 'null' | 'text' | 'json' | 'binary';

export interface Formatted {
  format: ByteFormat;
  /** Text for text/JSON (pretty for JSON when `pretty`), hex for binary, null for null. */
  text: string | null;
  bytes: number;
  /** `text` was cut at `maxChars`. */
  truncated: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
// Tab, line feed and carriage return are ordinary text; other C0 controls and DEL are not.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** Larger documents are shown as they are rather than parsed. */
const MAX_PRETTY_CHARS = 256 * 1024;

export function decodeText(buf: Buffer): string | undefined {
  let s: string;
  try {
    s = decoder.decode(buf);
  } catch {
    return undefined;
  }
  return CONTROL.test(s) ? undefined : s;
}

export function formatBytes(buf: Buffer | null, opts: { pretty?: boolean; maxChars?: number } = {}): Formatted {
  if (buf === null) return { format: 'null', text: null, bytes: 0, truncated: false };
  const max = opts.maxChars ?? Infinity;
  const cut = (s: string) => (s.length > max ? { text: s.slice(0, max), truncated: true } : { text: s, truncated: false });
  const text = decodeText(buf);
  if (text === undefined) {
    // Two hex digits per byte; only as many bytes as the character budget shows are converted.
    const shown = Number.isFinite(max) ? buf.subarray(0, Math.ceil(max / 2)) : buf;
    return { format: 'binary', text: shown.toString('hex'), bytes: buf.length, truncated: shown.length < buf.length };
  }
  if (looksLikeJson(text) && text.length <= MAX_PRETTY_CHARS && isJson(text)) {
    return { format: 'json', bytes: buf.length, ...cut(opts.pretty ? prettyJson(text) : text) };
  }
  return { format: 'text', bytes: buf.length, ...cut(text) };
}

function looksLikeJson(s: string): boolean {
  const c = s.trimStart()[0];
  return c === '{' || c === '[';
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/**
 * Re-indents valid JSON without parsing its values, so numbers beyond double precision and the
 * exact spelling of strings stay as they were sent (JSON.stringify(JSON.parse(s)) would not).
 */
export function prettyJson(s: string, indent = '  '): string {
  let out = '';
  let depth = 0;
  let inString = false;
  const nl = () => '\n' + indent.repeat(depth);
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += s[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    switch (c) {
      case '"':
        inString = true;
        out += c;
        break;
      case '{':
      case '[': {
        // Empty containers stay on one line.
        let j = i + 1;
        while (j < s.length && /\s/.test(s[j]!)) j++;
        if (s[j] === (c === '{' ? '}' : ']')) {
          out += c + s[j];
          i = j;
        } else {
          depth++;
          out += c + nl();
        }
        break;
      }
      case '}':
      case ']':
        depth--;
        out += nl() + c;
        break;
      case ',':
        out += ',' + nl();
        break;
      case ':':
        out += ': ';
        break;
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return out;
}

/** Hex in groups of two, for reading on a page. */
export function spacedHex(hex: string): string {
  return hex.replace(/(..)(?=.)/g, '$1 ');
}
