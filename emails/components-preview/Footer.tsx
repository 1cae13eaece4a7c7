import { Footer } from '../_components/Footer.tsx';
import WeeklyDigest, { type DigestProps } from '../WeeklyDigest.tsx';
import { PreviewFrame } from './PreviewFrame.tsx';

type Props = Pick<DigestProps, 'links' | 'postalAddress'>;

/** Footer on its own: why the reader gets the email, unsubscribe, preferences, view in browser and the postal address. */
export default function FooterPreview({ links, postalAddress }: Props) {
  return (
    <PreviewFrame title="Footer">
      <Footer links={links} postalAddress={postalAddress} />
    </PreviewFrame>
  );
}

FooterPreview.PreviewProps = {
  links: WeeklyDigest.PreviewProps.links,
  postalAddress: WeeklyDigest.PreviewProps.postalAddress,
} satisfies Props;
