import type { PanelTake, Persona, Tool } from '../../src/catalog/schema.ts';

/** A panel take; the verdict follows the score unless given. */
export function take(persona: Persona, score: number, verdict: 'ship' | 'skip' = score >= 60 ? 'ship' : 'skip'): PanelTake {
  return { persona, score, verdict, take: `${persona} says ${verdict}.` };
}

/** A valid catalog tool with no panel, changed by `overrides`. */
export function tool(overrides: Partial<Tool> = {}): Tool {
  return {
    slug: 'sample-tool',
    name: 'Sample Tool',
    tagline: 'Does a thing',
    category: 'Developer Tools',
    description: 'A tool for tests.',
    url: 'https://sample.example',
    addedAt: '2026-11-17',
    pricing: { entry: 'free' },
    panel: [],
    ...overrides,
  };
}
