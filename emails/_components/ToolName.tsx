import { Heading } from '@react-email/heading';
import { Link } from '@react-email/link';
import type { Side } from '../../src/digest/schema.ts';
import { webUrl } from '../../src/digest/wording.ts';
import { cls, h3, link } from './theme.ts';

export interface ToolNameProps {
  side: Side;
}

/** The tool's name as a heading, linked to its site when that is an http(s) link. */
export function ToolName({ side }: ToolNameProps) {
  const href = webUrl(side.url);
  return (
    <Heading as="h3" className={`${cls.text} ${cls.toolName}`} style={{ ...h3, marginTop: 0 }}>
      {href ? (
        <Link href={href} className={cls.link} style={link}>
          {side.name}
        </Link>
      ) : (
        side.name
      )}
    </Heading>
  );
}
