// HubSpot's API is Java/Jackson: malformed bodies are answered with
// "Invalid input JSON on line L, column C: <Jackson's reason>". JSON.parse in Node 20 does not always
// report a position, so on failure a small scanner walks the text to find where and why it broke.

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; message: string };

export function parseJsonInput(text: string): JsonParseResult {
  try {
    if (text.trim() === '') throw new SyntaxError('empty');
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    const failure = locateJsonError(text);
    return { ok: false, message: `Invalid input JSON on line ${failure.line}, column ${failure.column}: ${failure.reason}` };
  }
}

interface JsonFailure {
  line: number;
  column: number;
  reason: string;
}

class ScanError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const VALUE_EXPECTED = "expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

function describe(char: string): string {
  return `'${char}' (code ${char.codePointAt(0) ?? 0})`;
}

export function locateJsonError(text: string): JsonFailure {
  let pos = 0;
  const skipWs = (): void => {
    while (pos < text.length && ' \t\r\n'.includes(text[pos] ?? '')) pos++;
  };
  const unexpected = (expectation: string): never => {
    const char = text[pos];
    if (char === undefined) throw new ScanError(pos, `Unexpected end-of-input: ${expectation}`);
    throw new ScanError(pos, `Unexpected character (${describe(char)}): ${expectation}`);
  };
  const scanString = (): void => {
    pos++; // opening quote
    while (pos < text.length) {
      const char = text[pos];
      if (char === '"') {
        pos++;
        return;
      }
      if (char === '\\') {
        const escape = text[pos + 1];
        if (escape === undefined) break;
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
            throw new ScanError(pos, 'Unexpected character in unicode escape: expected a hex-digit for character escape sequence');
          }
          pos += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(escape)) throw new ScanError(pos + 1, `Unrecognized character escape ${describe(escape)}`);
        pos += 2;
        continue;
      }
      if ((char?.charCodeAt(0) ?? 0) < 0x20) {
        throw new ScanError(pos, `Illegal unquoted character ((CTRL-CHAR, code ${char?.charCodeAt(0) ?? 0})): has to be escaped using backslash to be included in string value`);
      }
      pos++;
    }
    throw new ScanError(pos, 'Unexpected end-of-input: was expecting closing quote for a string value');
  };
  const scanWord = (): void => {
    const start = pos;
    while (pos < text.length && /[A-Za-z0-9_$.+-]/.test(text[pos] ?? '')) pos++;
    const word = text.slice(start, pos);
    if (word === 'true' || word === 'false' || word === 'null') return;
    if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(word)) return;
    if (word === '') {
      pos = start;
      unexpected(VALUE_EXPECTED);
    }
    throw new ScanError(start, `Unrecognized token '${word}': was expecting ${VALUE_EXPECTED.replace('expected a valid value ', '')}`);
  };
  const scanValue = (): void => {
    skipWs();
    const char = text[pos];
    if (char === '{') return scanObject();
    if (char === '[') return scanArray();
    if (char === '"') return scanString();
    if (char !== undefined && /[-0-9a-zA-Z]/.test(char)) return scanWord();
    unexpected(VALUE_EXPECTED);
  };
  const scanObject = (): void => {
    pos++;
    skipWs();
    if (text[pos] === '}') {
      pos++;
      return;
    }
    for (;;) {
      skipWs();
      if (text[pos] !== '"') {
        if (pos >= text.length) unexpected('expected close marker for Object');
        unexpected('was expecting double-quote to start field name');
      }
      scanString();
      skipWs();
      if (text[pos] !== ':') unexpected('was expecting a colon to separate field name and value');
      pos++;
      scanValue();
      skipWs();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return;
      }
      if (pos >= text.length) unexpected('expected close marker for Object');
      unexpected('was expecting comma to separate Object entries');
    }
  };
  const scanArray = (): void => {
    pos++;
    skipWs();
    if (text[pos] === ']') {
      pos++;
      return;
    }
    for (;;) {
      scanValue();
      skipWs();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return;
      }
      if (pos >= text.length) unexpected('expected close marker for Array');
      unexpected('was expecting comma to separate Array entries');
    }
  };

  let failure: ScanError;
  try {
    skipWs();
    if (pos >= text.length) throw new ScanError(pos, 'No content to map due to end-of-input');
    scanValue();
    skipWs();
    if (pos < text.length) unexpected('expected end-of-input');
    // The scanner accepted what JSON.parse refused (should not happen): point at the end.
    failure = new ScanError(text.length, 'Unexpected end-of-input');
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    failure = error;
  }
  const before = text.slice(0, failure.offset);
  const lines = before.split('\n');
  const line = lines.length;
  const column = (lines[lines.length - 1]?.length ?? 0) + 1;
  return { line, column, reason: failure.reason };
}
