import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { nodeArgs, REPO } from './cli.ts';

/** A real `serve` process, as an operator runs it. */
export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Spawns `digest serve --port 0 ...args` and resolves once it says where it listens. */
export async function startServe(args: string[], env: Record<string, string | undefined>): Promise<ServeProcess> {
  const childEnv: Record<string, string> = { NO_COLOR: '1' };
  for (const [key, value] of Object.entries({ ...process.env, ...env })) {
    if (value !== undefined && !/^(VITEST|NODE_OPTIONS$|TSX_)/.test(key)) childEnv[key] = value;
  }
  const child = spawn(process.execPath, [...nodeArgs('main'), 'serve', '--port', '0', ...args], {
    cwd: REPO,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /Listening on (http:\/\/\S+?) /.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
  return {
    url,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
