import { describe, expect, it } from 'vitest';
import { parseJsonInput } from './json-input.js';

describe('parseJsonInput', () => {
  it('parses valid JSON', () => {
    expect(parseJsonInput('{"inputs":[1,2]}')).toEqual({ ok: true, value: { inputs: [1, 2] } });
  });

  it('reports line and column of a missing value like Jackson', () => {
    const result = parseJsonInput('{\n  "inputs": ]\n}');
    expect(result).toEqual({
      ok: false,
      message: "Invalid input JSON on line 2, column 13: Unexpected character (']' (code 93)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
    });
  });

  it('explains an unquoted field name', () => {
    const result = parseJsonInput('{inputs: []}');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toBe("Invalid input JSON on line 1, column 2: Unexpected character ('i' (code 105)): was expecting double-quote to start field name");
  });

  it('explains truncated input and empty bodies', () => {
    const truncated = parseJsonInput('{"inputs": [{"id": "a"}');
    expect(truncated.ok).toBe(false);
    if (!truncated.ok) expect(truncated.message).toMatch(/^Invalid input JSON on line 1, column 24: Unexpected end-of-input: expected close marker for Array$/);
    const empty = parseJsonInput('');
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.message).toBe('Invalid input JSON on line 1, column 1: No content to map due to end-of-input');
  });

  it('names a bad literal', () => {
    const result = parseJsonInput('{"a": tru}');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain("line 1, column 7: Unrecognized token 'tru'");
  });

  it('flags a missing comma between entries', () => {
    const result = parseJsonInput('{"a": 1 "b": 2}');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain('column 9: Unexpected character (\'"\' (code 34)): was expecting comma to separate Object entries');
  });
});
