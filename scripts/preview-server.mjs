// `npm run dev`: the React Email preview server on emails/, needing nothing outside the clone and no network.
// Extra arguments go to `email dev` (`npm run dev -- --port 4000`).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('cli/index.mjs', import.meta.resolve('react-email')));

// Started with the Node flags it needs, `email` runs in this one child instead of re-spawning itself without
// passing on SIGTERM, which left a server holding the port after `kill`.
const flags = ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'];

// `email` creates its settings folder ($XDG_CONFIG_HOME/react-email-nodejs, else ~/.config/...) as soon as it loads,
// and exits when it can't (a read-only or missing home); keep it in .react-email/, which git ignores.
const env = { ...process.env, XDG_CONFIG_HOME: path.resolve('.react-email') };

const child = spawn(process.execPath, [...flags, cli, 'dev', '--dir', 'emails', '--port', '3030', ...process.argv.slice(2)], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
