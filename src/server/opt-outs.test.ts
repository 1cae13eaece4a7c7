import { describe, expect, it } from 'vitest';
import { optOutTime } from './opt-outs.ts';

const at = (minute: number) => `2026-11-20T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('optOutTime', () => {
  it('unsubscribes, bounces, complaints and stopping imports count; signups, confirmations and active imports do not', () => {
    const email = 'a@example.com';
    expect(optOutTime({ type: 'unsubscribe', email, at: at(1), source: 'cli' })).toBe(Date.parse(at(1)));
    expect(optOutTime({ type: 'bounce', email, at: at(2) })).toBe(Date.parse(at(2)));
    expect(optOutTime({ type: 'complaint', email, at: at(3) })).toBe(Date.parse(at(3)));
    expect(optOutTime({ type: 'add', email, name: null, categories: [], status: 'bounced', at: at(4), source: 'import' })).toBe(
      Date.parse(at(4)),
    );
    expect(optOutTime({ type: 'add', email, name: null, categories: [], status: 'active', at: at(4), source: 'import' })).toBeNull();
    expect(optOutTime({ type: 'subscribe', email, name: null, categories: [], at: at(5) })).toBeNull();
    expect(optOutTime({ type: 'opt-in', email, at: at(6), issued: at(5) })).toBeNull();
  });
});
