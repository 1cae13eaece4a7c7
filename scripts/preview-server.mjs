// `npm run dev`: the React Email preview server on emails/, needing nothing outside the clone and no network.
// `--data DIR` previews another catalog than data/; other arguments go to `email dev` (`npm run dev -- --port 4000`).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('cli/index.mjs', import.meta.resolve('react-email')));
const tsx = import.meta.resolve('tsx');

const args = process.argv.slice(2);
let data = 'data';
const passOn = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--data') data = args[++i] ?? '';
  else if (args[i].startsWith('--data=')) data = args[i].slice('--data='.length);
  else passOn.push(args[i]);
}
if (!existsSync(path.join(data, 'tools'))) {
  console.error(`${data}/tools does not exist: --data names a catalog folder (default data/).`);
  process.exit(1);
}

// The props the server shows are built from the live catalog into emails/_live/ (git-ignored; the tracked fixtures
// stay as they are): once as it starts, then whenever the catalog changes, and the open preview re-renders.
// React Email keeps each template's render until an open preview tells it to drop it, so a page opened later
// would show the render from before the change: after each rebuild, the cache is dropped here too.
let running = null;
let previewUrl = null;
let again = false;
function regenerate() {
  if (running) {
    again = true;
    return running;
  }
  running = new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsx, 'scripts/update-preview-fixture.ts', '--live', '--data', data], {
      stdio: 'inherit',
    });
    child.on('exit', (code) => {
      if (code !== 0) console.error(`Could not rebuild the preview from ${data}/ (see above); showing the last good one.`);
      resolve(code === 0 && previewUrl ? forgetRenders(previewUrl) : undefined);
    });
  }).then(() => {
    running = null;
    if (again) {
      again = false;
      return regenerate();
    }
  });
  return running;
}

/** Every template the preview lists, by absolute path as React Email names it: `.tsx` files outside `_` folders. */
function templates(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('_')) return [];
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? templates(file) : entry.name.endsWith('.tsx') ? [file] : [];
  });
}

/** Calls the preview UI's own server action that drops a template's cached renders, for every template. */
async function forgetRenders(url) {
  const manifest = fileURLToPath(
    new URL('.next/server/server-reference-manifest.json', import.meta.resolve('@react-email/ui/package.json')),
  );
  try {
    const actions = JSON.parse(readFileSync(manifest, 'utf8')).node;
    const id = Object.keys(actions).find((key) => actions[key].exportedName === 'invalidateEmailRenderingCache');
    if (!id) throw new Error(`no invalidateEmailRenderingCache in ${manifest}`);
    for (const template of templates(path.resolve('emails'))) {
      const response = await fetch(`${url}/preview/WeeklyDigest`, {
        method: 'POST',
        headers: { 'Next-Action': id, 'Content-Type': 'text/plain;charset=UTF-8', Accept: 'text/x-component' },
        body: JSON.stringify([template]),
      });
      if (!response.ok) throw new Error(`the preview server answered ${response.status}`);
      await response.arrayBuffer();
    }
    console.log('Every preview, open or opened later, now shows the catalog as it is.');
  } catch (error) {
    console.error(
      `A preview opened from now on may show the catalog before this change (${error.message}): keep one open, or restart npm run dev.`,
    );
  }
}

await regenerate();
let timer;
watch(data, { recursive: true }, () => {
  clearTimeout(timer);
  timer = setTimeout(regenerate, 300);
});

console.log(
  'Offline, the preview UI\'s spam check fails and shows an empty error toast ("{}"): it needs the internet and React Email has no setting to turn it off; ignore it.',
);

// Started with the Node flags it needs, `email` runs in this one child instead of re-spawning itself without
// passing on SIGTERM, which left a server holding the port after `kill`.
const flags = ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning'];

// `email` creates its settings folder ($XDG_CONFIG_HOME/react-email-nodejs, else ~/.config/...) as soon as it loads,
// and exits when it can't (a read-only or missing home); keep it in .react-email/, which git ignores.
// DIGEST_LIVE_PREVIEW makes the templates read their props from emails/_live/ (emails/_preview/live.ts).
const env = { ...process.env, XDG_CONFIG_HOME: path.resolve('.react-email'), DIGEST_LIVE_PREVIEW: '1' };

const child = spawn(process.execPath, [...flags, cli, 'dev', '--dir', 'emails', '--port', '3030', ...passOn], {
  stdio: ['inherit', 'pipe', 'inherit'],
  env,
});
// Passed on as it comes; read for the address, since `email dev` moves to the next port when the one asked for is taken.
let printed = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (previewUrl) return;
  printed += chunk;
  previewUrl = /Running preview at:\s+(http:\/\/localhost:\d+)/.exec(printed)?.[1] ?? null;
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
