import { describe, expect, it } from 'vitest';
import { homePage, type IssueSummary, keptHomePage } from './pages.ts';

const summary = (week: string, title: string): IssueSummary => ({ week, label: `Week ${week}`, titles: [title] });

describe('keptHomePage', () => {
  it('gives the page of the categories and issues it is given: a new catalog read, a new issue or an issue read anew shows', () => {
    const home = keptHomePage();
    const categories = ['Coding', 'Images'];
    const w45 = summary('2026-W45', 'Alpha vs Bravo');
    expect(home(categories, [w45])).toBe(homePage(categories, [w45]));
    expect(home(categories, [w45])).toBe(homePage(categories, [w45]));

    const more = ['Coding', 'Images', 'Voice'];
    expect(home(more, [w45])).toContain('Voice');
    const w46 = summary('2026-W46', 'Charlie vs Delta');
    expect(home(more, [w46, w45])).toBe(homePage(more, [w46, w45]));
    const reread = summary('2026-W46', 'Echo vs Foxtrot');
    expect(home(more, [reread, w45])).toBe(homePage(more, [reread, w45]));
    expect(home(more, [w45])).toBe(homePage(more, [w45]));
    expect(home([], [])).toBe(homePage([], []));
  });
});
