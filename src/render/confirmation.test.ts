import { AsyncLocalStorage } from 'node:async_hooks';
import { render } from '@react-email/render';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ConfirmSubscription from '../../emails/ConfirmSubscription.tsx';
import { confirmationMessage, confirmationProps } from './confirmation.ts';

const settings = {
  publicUrl: 'https://digest.example.com',
  secret: 'a-test-secret-that-is-long-enough-1234',
  from: 'Digest <digest@example.com>',
  postalAddress: '1 Main St, Springfield',
};
const now = new Date('2026-11-20T10:00:00Z');

describe('confirmationMessage', () => {
  afterEach(() => vi.restoreAllMocks());

  it('renders the same bytes as @react-email/render', async () => {
    const message = await confirmationMessage('ada@example.com', settings, now);
    expect(message.html).toBe(await render(createElement(ConfirmSubscription, confirmationProps('ada@example.com', settings, now))));
  });

  it('renders outside any AsyncLocalStorage store, so that promise hooks stay off in serve', async () => {
    const run = vi.spyOn(AsyncLocalStorage.prototype, 'run');
    await confirmationMessage('bo@example.com', settings, now);
    expect(run).not.toHaveBeenCalled();
  });
});
