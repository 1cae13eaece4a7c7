import { expect } from 'vitest';
import { parseToolFile } from '../../src/catalog/load.ts';

/** A tool file's path as the catalog names it. */
export const FILE = 'data/tools/smollm3.json';

export function valid(): Record<string, unknown> {
  return {
    slug: 'smollm3',
    name: 'SmolLM3',
    tagline: 'A 3B open model that runs on a consumer GPU',
    category: 'Developer Tools',
    description: 'A small open model.',
    url: 'https://huggingface.co/HuggingFaceTB/SmolLM3-3B',
    addedAt: '2026-11-17T15:00:00Z',
    pricing: { entry: 'free', details: 'Apache 2.0 weights' },
    panel: [
      { persona: 'builder', score: 87, verdict: 'ship', take: 'Fast.' },
      { persona: 'skeptic', score: 78, verdict: 'ship', take: 'Honest.' },
    ],
    community: { ship: 3, skip: 1 },
  };
}

/** The valid tool with `change` applied to a deep copy. */
export function variant(change: (tool: Record<string, any>) => void): string {
  const tool = structuredClone(valid()) as Record<string, any>;
  change(tool);
  return JSON.stringify(tool, null, 2);
}

export function defectsOf(file: string, text: string): string[] {
  const result = parseToolFile(file, text);
  if ('tool' in result) throw new Error(`expected defects, got a tool: ${JSON.stringify(result.tool)}`);
  return result.defects;
}

/** One sentence: starts with the file, ends with one period, no line break. */
export function expectSentence(defect: string, file: string): void {
  expect(defect.startsWith(file)).toBe(true);
  expect(defect).toMatch(/\.$/);
  expect(defect).not.toContain('\n');
}

export const PERSONA_TAKES = ['builder', 'skeptic', 'futurist', 'founder', 'creator'].map((persona) => ({
  persona,
  score: 50,
  verdict: 'ship',
  take: 'Ok.',
}));
