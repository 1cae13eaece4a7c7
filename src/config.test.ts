import { describe, expect, it } from 'vitest';
import { isStrongSecret, resolveConfig } from './config.ts';

describe('isStrongSecret', () => {
  it.each([
    ['q7', false],
    ['a'.repeat(40), false],
    ['abababababababababababababababab', false],
    ['correct-horse-battery-stap', false],
    // base64 of 128 bits, but hardly random
    ['3q2+7wAAAAAAAAAAAAAAAA==', false],
    // openssl rand -base64 16 and 18: 128 bits or more
    ['Zm9vYmFyYmF6cXV4Y29ycmVjdA==', true],
    ['Zm9vYmFyYmF6cXV4Y29ycmVj', true],
    // openssl rand -hex 16: 128 bits in 32 characters
    ['4f1c2a9be07d35816a2c9e4db7f03a51', true],
    ['a-test-secret-that-is-long-enough-1234', true],
  ])('%j is strong: %s', (secret, strong) => {
    expect(isStrongSecret(secret)).toBe(strong);
  });
});

describe('resolveConfig', () => {
  it('refuses a weak DIGEST_SECRET with one sentence saying how to make one', () => {
    expect(() => resolveConfig({}, { DIGEST_SECRET: 'q7' })).toThrow(/^DIGEST_SECRET is too weak .*openssl rand -base64 32/);
  });

  it('takes a strong one', () => {
    expect(resolveConfig({}, { DIGEST_SECRET: 'a-test-secret-that-is-long-enough-1234' }).secret).toBe(
      'a-test-secret-that-is-long-enough-1234',
    );
  });
});
