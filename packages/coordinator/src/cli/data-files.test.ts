import { describe, expect, it } from 'vitest';
import { parseCsv } from './data-files.js';

describe('parseCsv', () => {
  it('reads a header and rows, with quotes, escaped quotes, newlines in quotes and CRLF', () => {
    expect(parseCsv('wallet,hash\r\naddr_1,"a,b"\naddr_2,"say ""hi""\nthere"\n')).toEqual([
      { wallet: 'addr_1', hash: 'a,b' },
      { wallet: 'addr_2', hash: 'say "hi"\nthere' },
    ]);
  });
  it('names the line of a problem', () => {
    expect(() => parseCsv('a,b\n1,2\n3\n')).toThrow(/row 3: 1 fields, the header has 2/);
    expect(() => parseCsv('a\n"open\n')).toThrow(/never closed/);
    expect(() => parseCsv('')).toThrow(/no header row/);
  });
});
