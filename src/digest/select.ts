import type { Tool } from '../catalog/schema.ts';
import { addedInstant, type WeekRange } from './week.ts';

/** The catalog split at the week: tools added inside it (new) and before it (earlier); later tools are neither. */
export function selectWeek(catalog: readonly Tool[], range: WeekRange, timezone: string): { newTools: Tool[]; earlierTools: Tool[] } {
  const newTools: Tool[] = [];
  const earlierTools: Tool[] = [];
  for (const tool of catalog) {
    const added = addedInstant(tool.addedAt, timezone).getTime();
    if (added < range.start.getTime()) earlierTools.push(tool);
    else if (added < range.end.getTime()) newTools.push(tool);
  }
  return { newTools, earlierTools };
}
