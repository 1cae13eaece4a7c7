import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { render } from '@react-email/render';
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

/**
 * `render` from @react-email/render's edge build: the same bytes as its node build, through react-dom/server.edge, which
 * keeps no AsyncLocalStorage store on Node. The node renderer runs each render in one, and on Node 20 a store once used
 * turns on promise hooks for the rest of the process: serve, which renders only this email, paid them on every request
 * after its first signup. The package exports this build only under other runtimes' conditions, so it is loaded by path.
 */
let edgeRender: Promise<typeof render> | undefined;
function renderOutsideStores(...args: Parameters<typeof render>): ReturnType<typeof render> {
  edgeRender ??= (async () => {
    const nodeBuild = createRequire(import.meta.url).resolve('@react-email/render');
    const edgeBuild: typeof import('@react-email/render') = await import(new URL('../edge/index.mjs', pathToFileURL(nodeBuild)).href);
    return edgeBuild.render;
  })();
  return edgeRender.then((edge) => edge(...args));
}

/** The double opt-in message for `email`, HTML and plain text. */
export async function confirmationMessage(email: string, settings: SenderSettings, now: Date): Promise<OutgoingEmail> {
  const props = confirmationProps(email, settings, now);
  return {
    to: email,
    from: settings.from,
    subject: `Confirm your subscription to ${NEWSLETTER}`,
    html: await renderOutsideStores(createElement(ConfirmSubscription, props)),
    text: confirmationText(props),
    headers: {},
  };
}
