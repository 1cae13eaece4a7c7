import { defineCommand } from 'citty';
import { stateStatus, statusLines } from '../delivery/status.ts';
import { commonArgs, configFrom, strictFlags } from './common.ts';

export default defineCommand({
  meta: { name: 'status', description: 'Show every week the state knows (built, held, sending, sent) and the list by status' },
  args: { ...commonArgs },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    for (const line of statusLines(await stateStatus(config), config)) console.log(line);
  },
});
