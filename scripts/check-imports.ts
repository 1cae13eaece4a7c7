/**
 * Checks the layout README.md describes ("How the code is laid out"); prints each violation and exits 1 on any.
 * Imports are read with TypeScript's own pre-processor, so type-only imports, re-exports and dynamic imports count too.
 * Tests (*.test.*) may import across folders, so they are left out of the import rules.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAX_LINES = 400;
/** Where the line limit applies. */
const SOURCE_DIRS = ['src', 'emails', 'scripts', 'bench'];
/** Where the import rules apply. */
const GRAPH_DIRS = ['src', 'emails'];
const CODE = /\.(ts|tsx|mts|js|mjs)$/;
const CORE = ['catalog', 'digest', 'render', 'delivery', 'subscribers', 'state'].map((f) => `src/${f}`);

function filesUnder(dir: string): string[] {
  if (!existsSync(path.join(ROOT, dir))) return [];
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (name === 'node_modules') return [];
    return statSync(path.join(ROOT, rel)).isDirectory() ? filesUnder(rel) : CODE.test(name) ? [rel] : [];
  });
}

const isTest = (file: string) => /\.test\.\w+$/.test(file);

/** The repo files `file` imports, as paths relative to the repo; packages are left out. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)))
    .filter((target) => CODE.test(target));
}

/** The room a file belongs to for the pair rule: `src/<folder>`, `emails` as a whole, or the file itself when it sits directly in src/. */
function folderOf(file: string): string | null {
  const parts = file.split('/');
  if (parts[0] === 'emails') return 'emails';
  if (parts[0] === 'src') return parts.length > 2 ? `src/${parts[1]}` : file;
  return null;
}

/** A file of src/cli that is a command: it defines one. main.ts routes them, so it is not. */
function isCommand(file: string, text: string): boolean {
  if (!file.startsWith('src/cli/') || file === 'src/cli/main.ts' || isTest(file)) return false;
  return /\bdefineCommand\(/.test(text);
}

const violations: string[] = [];

for (const file of SOURCE_DIRS.flatMap(filesUnder)) {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1;
  if (lines > MAX_LINES) violations.push(`${file} has ${lines} lines, over ${MAX_LINES}: split it.`);
}

const files = GRAPH_DIRS.flatMap(filesUnder).filter((f) => !isTest(f));
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const folderEdges = new Map<string, Set<string>>();

for (const [file, targets] of graph) {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  for (const target of targets) {
    if (!graph.has(target)) {
      if (!existsSync(path.join(ROOT, target))) violations.push(`${file} imports ${target}, which does not exist.`);
      continue;
    }
    const [from, to] = [folderOf(file), folderOf(target)];
    if (from !== null && to !== null && from !== to) {
      const edges = folderEdges.get(from) ?? new Set<string>();
      folderEdges.set(from, edges);
      edges.add(`${to}\0${file} -> ${target}`);
    }
    const inCore = CORE.some((c) => file.startsWith(`${c}/`)) || folderOf(file) === file;
    if (inCore && /^src\/(cli|server)\//.test(target))
      violations.push(`${file} imports ${target}: the core and the files directly in src/ never import src/cli or src/server.`);
    if (/^src\/(cli|server)\//.test(file) && target.startsWith('emails/'))
      violations.push(
        `${file} imports ${target}: src/cli and src/server reach the templates through src/render, and the words through src/digest/wording.ts.`,
      );
    if (file.startsWith('src/server/') && target.startsWith('src/cli/'))
      violations.push(`${file} imports ${target}: src/server never imports src/cli.`);
    if (isCommand(file, text) && isCommand(target, readFileSync(path.join(ROOT, target), 'utf8'))) {
      violations.push(
        `${file} imports ${target}: a command never imports another command; move what they share to the library or src/cli/report.ts.`,
      );
    }
  }
}

// One seam for state: only openState (and the config that resolves it) reads where the state folder is.
const STATE_SEAM = ['src/config.ts', 'src/state/open.ts'];
for (const file of files) {
  if (STATE_SEAM.includes(file) || !/\bstateDir\b/.test(readFileSync(path.join(ROOT, file), 'utf8'))) continue;
  violations.push(`${file} reads stateDir: only ${STATE_SEAM.join(' and ')} do; take the stores of the State that openState opened.`);
}

// Two folders that import each other, each direction shown by one of its imports.
const reported = new Set<string>();
for (const [from, edges] of folderEdges) {
  for (const edge of edges) {
    const [to, example] = edge.split('\0') as [string, string];
    const back = [...(folderEdges.get(to) ?? [])].find((e) => e.startsWith(`${from}\0`));
    const pair = [from, to].sort().join(' and ');
    if (back === undefined || reported.has(pair)) continue;
    reported.add(pair);
    violations.push(`${pair} import each other (${example}; ${back.split('\0')[1]}).`);
  }
}

// Cycles between files: the strongly connected components of more than one file (Tarjan), and a file importing itself.
let counter = 0;
const index = new Map<string, number>();
const low = new Map<string, number>();
const stack: string[] = [];
const onStack = new Set<string>();
function connect(file: string): void {
  const own = counter++;
  let lowest = own;
  index.set(file, own);
  low.set(file, own);
  stack.push(file);
  onStack.add(file);
  for (const target of graph.get(file) ?? []) {
    if (!graph.has(target)) continue;
    if (!index.has(target)) {
      connect(target);
      lowest = Math.min(lowest, low.get(target) ?? lowest);
    } else if (onStack.has(target)) {
      lowest = Math.min(lowest, index.get(target) ?? lowest);
    }
    low.set(file, lowest);
  }
  if (lowest !== own) return;
  const component: string[] = [];
  let member: string | undefined;
  do {
    member = stack.pop();
    if (member === undefined) break;
    onStack.delete(member);
    component.push(member);
  } while (member !== file);
  if (component.length > 1 || graph.get(file)?.includes(file)) violations.push(`Import cycle: ${component.sort().join(', ')}.`);
}
for (const file of graph.keys()) if (!index.has(file)) connect(file);

for (const v of violations) console.error(v);
console.log(
  violations.length === 0
    ? `Imports follow the layout (${graph.size} files checked).`
    : `${violations.length} layout violation${violations.length === 1 ? '' : 's'}.`,
);
process.exitCode = violations.length === 0 ? 0 : 1;
