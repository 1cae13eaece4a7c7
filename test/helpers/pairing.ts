import type { PanelTake, Tool } from '../../src/catalog/schema.ts';
import type { Pairing } from '../../src/digest/pair.ts';

const PERSONAS = ['builder', 'skeptic', 'futurist', 'founder', 'creator'] as const;

export type ToolFields = Partial<Tool> & { ship?: number; skip?: number; score?: number };

/** A tool with `ship` and `skip` panel takes at `score`, changed by the other fields. */
export function tool(slug: string, fields: ToolFields = {}): Tool {
  const { ship = 0, skip = 0, score = 70, ...rest } = fields;
  const panel: PanelTake[] = [...Array(ship).fill('ship'), ...Array(skip).fill('skip')].map((verdict, i) => ({
    persona: PERSONAS[i]!,
    score,
    verdict,
    take: 'A take.',
  }));
  return {
    slug,
    name: slug,
    tagline: 'A tool.',
    category: 'Design',
    description: 'Does things.',
    url: `https://example.com/${slug}`,
    addedAt: '2026-11-17',
    pricing: { entry: 'free' },
    panel,
    ...rest,
  };
}

export function shuffled<T>(items: T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A pairing as [left, right] slugs. */
export const slugs = (pairing: Pairing) => pairing.map(({ left, right }) => [left.slug, right?.slug ?? null]);
