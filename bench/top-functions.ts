// Where a profile's time (or memory) went: `npx tsx bench/top-functions.ts FILE.cpuprofile|FILE.heapprofile [N]`.
// A .cpuprofile (node --cpu-prof) gives each function's self time and total time (itself and what it called),
// and self time by module; a .heapprofile (node --heap-prof) gives the bytes each function allocated that
// were still live when sampled, by function and by module.
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface CpuNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

const REPO = path.resolve(import.meta.dirname, '..');

/** The package, project file or Node part a function belongs to. */
function moduleOf(url: string, name = ''): string {
  // V8's own entries: (garbage collector), (program), (idle).
  if (!url) return name.startsWith('(') ? name : '(native)';
  const file = url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1];
  if (pkg) return pkg;
  if (file.startsWith('node:')) return file.split('/').slice(0, 2).join('/');
  return path.relative(REPO, file);
}

function functionOf(frame: CallFrame): string {
  if (!frame.url && frame.functionName.startsWith('(')) return frame.functionName;
  // tsx's transform leaves the project's functions all on line 1: their line is no help there.
  return `${frame.functionName || '(anonymous)'} ${moduleOf(frame.url)}${frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : ''}`;
}

function table(
  title: string,
  rows: Map<string, number>,
  total: number,
  unit: (v: number) => string,
  n: number,
  also?: Map<string, number>,
) {
  console.log(`\n${title}`);
  console.log(`| ${also ? 'self | total' : 'amount'} | share | where |`);
  console.log(`| --- | ${also ? '--- | ' : ''}--- | --- |`);
  for (const [key, value] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(
      `| ${unit(value)} | ${also ? `${unit(also.get(key) ?? 0)} | ` : ''}${((100 * value) / total).toFixed(1)}% | \`${key.replaceAll('|', '\\|')}\` |`,
    );
}

const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);

function cpu(profile: { nodes: CpuNode[]; samples: number[]; timeDeltas: number[] }, n: number) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const modules = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const micros = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    all += micros;
    add(self, functionOf(node.callFrame), micros);
    add(modules, moduleOf(node.callFrame.url, node.callFrame.functionName), micros);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const key = functionOf(byId.get(at)?.callFrame ?? { functionName: '', url: '', lineNumber: 0 });
      if (!seen.has(key)) add(total, key, micros);
      seen.add(key);
    }
  });
  const ms = (v: number) => `${Math.round(v / 1000)} ms`;
  console.log(`${Math.round(all / 1000)} ms sampled`);
  table(`Top ${n} functions by self time`, self, all, ms, n, total);
  table(`Top ${n} modules by self time`, modules, all, ms, n);
  // Node's stream and promise plumbing is on every stack: the project's and the packages' functions say more.
  const totals = new Map([...total].filter(([key]) => !/^\(| node:|\(native\)/.test(key)));
  table(`Top ${n} of the project's and the packages' functions by total time (themselves and what they called)`, totals, all, ms, n);
}

function heap(profile: { head: HeapNode }, n: number) {
  const self = new Map<string, number>();
  const modules = new Map<string, number>();
  let all = 0;
  const walk = (node: HeapNode) => {
    all += node.selfSize;
    add(self, functionOf(node.callFrame), node.selfSize);
    add(modules, moduleOf(node.callFrame.url, node.callFrame.functionName), node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const mb = (v: number) => `${(v / 2 ** 20).toFixed(1)} MB`;
  console.log(`${mb(all)} sampled allocations live at the end of the sampling`);
  table(`Top ${n} functions by bytes allocated`, self, all, mb, n);
  table(`Top ${n} modules by bytes allocated`, modules, all, mb, n);
}

const [file, count] = process.argv.slice(2);
if (!file) throw new Error('usage: bench/top-functions.ts FILE.cpuprofile|FILE.heapprofile [N]');
const profile = JSON.parse(readFileSync(file, 'utf8'));
if ('head' in profile) heap(profile, Number(count ?? 20));
else cpu(profile, Number(count ?? 20));
