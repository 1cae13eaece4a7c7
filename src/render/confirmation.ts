import { render } from '@react-email/render';
import { createElement } from 'react';
import ConfirmSubscription, { type ConfirmSubscriptionProps } from '../../emails/ConfirmSubscription.tsx';
import type { OutgoingEmail, SenderSettings } from '../mail.ts';
import { signConfirmToken } from '../subscribers/tokens.ts';
import { NEWSLETTER } from '../digest/wording.ts';

/** How long a confirmation link works. */
export const CONFIRM_DAYS = 7;

/** The confirmation template's props for `email`, with a `confirm` token issued at `now` that expires CONFIRM_DAYS after. */
export function confirmationProps(email: string, settings: SenderSettings, now: Date): ConfirmSubscriptionProps {
  const expiresAt = new Date(now.getTime() + CONFIRM_DAYS * 24 * 60 * 60 * 1000);
  return {
    confirmUrl: `${settings.publicUrl}/confirm?token=${signConfirmToken(settings.secret, email, now, expiresAt)}`,
    expiresInDays: CONFIRM_DAYS,
    homeUrl: `${settings.publicUrl}/`,
    postalAddress: settings.postalAddress ?? '',
  };
}

function confirmationText(props: ConfirmSubscriptionProps): string {
  return [
    'Confirm your subscription',
    '',
    `Someone, hopefully you, asked to get ${NEWSLETTER} at this address: one email a week with head-to-head comparisons of the new AI tools.`,
    '',
    `Yes, subscribe me (the link works for ${props.expiresInDays} days):`,
    props.confirmUrl,
    '',
    "Didn't ask for this? Ignore this email: without the click, you get nothing more from us.",
    '',
    '--',
    `${NEWSLETTER}: ${props.homeUrl}`,
    ...(props.postalAddress ? [props.postalAddress] : []),
    '',
  ].join('\n');
}

/** The double opt-in message for `email`, HTML and plain text. */
export async function confirmationMessage(email: string, settings: SenderSettings, now: Date): Promise<OutgoingEmail> {
  const props = confirmationProps(email, settings, now);
  return {
    to: email,
    from: settings.from,
    subject: `Confirm your subscription to ${NEWSLETTER}`,
    html: await render(createElement(ConfirmSubscription, props)),
    text: confirmationText(props),
    headers: {},
  };
}
