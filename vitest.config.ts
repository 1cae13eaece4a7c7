import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The whole-program tests (test/) run whole sends and spawn processes, and take most of the time; the unit tests (src/) take seconds.
 * Starting the long ones first keeps them from being the tail on a fresh clone, where vitest has no durations yet
 * and would order by file size. Within each group vitest's own order stands (known durations, longest first).
 */
class WholeProgramFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const wholeProgram = (file: TestSpecification) => path.relative(file.project.config.root, file.moduleId).startsWith(`test${path.sep}`);
    return [...sorted.filter(wholeProgram), ...sorted.filter((file) => !wholeProgram(file))];
  }
}

export default defineConfig({
  test: {
    // Builds the CLI once, so the processes the whole-program tests spawn start in plain JavaScript.
    globalSetup: ['test/global-setup.ts'],
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    // Backstops against a hang, not guesses about speed: tests wait on events, and a loaded machine is slow.
    testTimeout: 600_000,
    // Many tests wait on a spawned process, a fake server's rate limit or fsync: four files at a time keep two cores busy.
    maxWorkers: 4,
    // A worker runs file after file with the modules it loaded: a fresh process per file cost about half a CPU second
    // each, and no test needs fresh modules (none mocks one, none leaves process.env changed).
    isolate: false,
    hookTimeout: 300_000,
    sequence: { sequencer: WholeProgramFirst },
  },
});
