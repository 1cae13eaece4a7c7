import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.ts';
import { bindError, listeningAt } from './serve.ts';

describe('listeningAt', () => {
  it.each([
    ['127.0.0.1', 'IPv4', 'http://127.0.0.1:8787', 'this machine only'],
    ['::1', 'IPv6', 'http://[::1]:8787', 'this machine only'],
    ['0.0.0.0', 'IPv4', 'http://0.0.0.0:8787', 'every IPv4 interface'],
    ['::', 'IPv6', 'http://[::]:8787', 'every interface'],
    ['192.168.1.20', 'IPv4', 'http://192.168.1.20:8787', null],
    ['fe80::1', 'IPv6', 'http://[fe80::1]:8787', null],
  ])('%s (%s) is printed as %s, reached from %s', (address, family, url, reach) => {
    expect(listeningAt({ address, family, port: 8787 })).toEqual({ url, reach });
  });
});

describe('bindError', () => {
  const failure = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

  it.each([
    ['EADDRINUSE', '127.0.0.1', 'Port 8787 is already in use on 127.0.0.1; pass --port N to pick another.'],
    ['EACCES', '127.0.0.1', 'Port 8787 needs privileges this user does not have; pass --port N with a port above 1023.'],
    [
      'EADDRNOTAVAIL',
      '192.0.2.1',
      '--host 192.0.2.1 is not an address of this machine; pass one of its addresses, or 0.0.0.0 for every interface.',
    ],
    [
      'ENOTFOUND',
      'verdicts.internal',
      '--host verdicts.internal could not be resolved to an address; pass an IP address such as 127.0.0.1.',
    ],
  ])('%s on %s is one sentence for the user', (code, host, sentence) => {
    const error = bindError(failure(code), host, 8787);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(sentence);
  });

  it('leaves any other failure as it is, a bug to report', () => {
    const other = failure('EMFILE');
    expect(bindError(other, '127.0.0.1', 8787)).toBe(other);
  });
});
