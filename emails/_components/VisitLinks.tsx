import { Link } from '@react-email/link';
import type { Side } from '../../src/digest/schema.ts';
import { webUrl } from '../../src/digest/wording.ts';
import { body, cls, link } from './theme.ts';

export interface VisitLinksProps {
  sides: Side[];
}

/** "Visit X · Visit Y" for the tools with an http(s) link; nothing when neither has one. */
export function VisitLinks({ sides }: VisitLinksProps) {
  const linked = sides.flatMap((side) => {
    const href = webUrl(side.url);
    return href ? [{ side, href }] : [];
  });
  if (linked.length === 0) return null;
  return (
    <p className={cls.text} style={{ ...body, marginTop: '12px' }}>
      {linked.map(({ side, href }, i) => (
        <span key={side.slug}>
          {i > 0 ? ' · ' : null}
          <Link href={href} className={cls.link} style={link}>{`Visit ${side.name}`}</Link>
        </span>
      ))}
    </p>
  );
}
