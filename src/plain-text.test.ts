import { describe, expect, it } from 'vitest';
import { codePoint, firstControl, headerSafe, terminalSafe } from './plain-text.ts';

describe('terminalSafe', () => {
  it.each([
    ['a screen clear and a title', 'SmolLM3\u001b[2J\u001b]0;PWNED\u0007', 'SmolLM3\\u001b[2J\\u001b]0;PWNED\\u0007'],
    ['NUL, CR, DEL and the C1 NEL', 'a\u0000b\rc\u007fd\u0085e', 'a\\u0000b\\u000dc\\u007fd\\u0085e'],
    ['the Unicode line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['tabs and bidirectional overrides', 'one\ttwo\u202eowt', 'one\\u0009two\\u202eowt'],
    ['line feeds, which it keeps', 'one\ntwo', 'one\ntwo'],
    ['text in any script and emoji, which it keeps', 'Café 工具 🚀 "quoted"', 'Café 工具 🚀 "quoted"'],
  ])('escapes %s', (_, text, printed) => {
    expect(terminalSafe(text)).toBe(printed);
  });

  it('keeps JSON valid JSON', () => {
    const value = { name: 'a\u0085\u2028\u007f\u001b' };
    expect(JSON.parse(terminalSafe(JSON.stringify(value)))).toEqual(value);
  });
});

describe('headerSafe', () => {
  it('makes each run of control characters, line breaks included, one space', () => {
    expect(headerSafe('Evil\r\nBcc: all@example.com\u0000\u0085x\u001b[2J')).toBe('Evil Bcc: all@example.com x [2J');
  });
});

describe('firstControl', () => {
  it('names the first control character and its position in characters', () => {
    expect(firstControl('工具\u001b[2J')).toEqual({ char: '\u001b', position: 3, lineBreak: false });
    expect(firstControl('a\u2028b')).toEqual({ char: '\u2028', position: 2, lineBreak: true });
    expect(firstControl('plain text')).toBeNull();
    expect(codePoint('\u0085')).toBe('U+0085');
  });

  it('lets multi-line text keep line feeds and tabs, and nothing else', () => {
    expect(firstControl('one\n\ttwo', true)).toBeNull();
    expect(firstControl('one\ttwo')).toMatchObject({ char: '\t', position: 4 });
    expect(firstControl('one\r\ntwo', true)).toMatchObject({ char: '\r', lineBreak: true });
  });
});
