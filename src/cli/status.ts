import { defineCommand } from 'citty';
import { stateStatus, statusLines } from '../status.ts';
import { commonArgs, configFrom, print, strictFlags, openRunState } from './common.ts';
import { setExitStatus } from './io.ts';

export default defineCommand({
  meta: { name: 'status', description: 'Show every week the state knows (built, held, sending, sent) and the list by status' },
  args: { ...commonArgs },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const state = await openRunState(config, 'read');
    const status = await stateStatus(config, state);
    for (const line of statusLines(status, config, state)) print(line);
    // Everything readable is shown; the exit status still tells a script that something needs fixing.
    if (status.listError || status.weeks.some((w) => w.damage)) setExitStatus(1);
  },
});
