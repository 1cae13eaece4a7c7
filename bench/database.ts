// A fresh PostgreSQL database for each bench case, on the server that `--database URL` (or BENCH_DATABASE_URL) names,
// dropped after; and the CPU the server spends on it. The URL's role must be allowed to CREATE DATABASE.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { cpuOf } from './processes.ts';

const flag = process.argv.indexOf('--database');
/** The server to compare the files backend with; undefined: files alone. */
export const BENCH_DATABASE_URL = (flag >= 0 ? process.argv[flag + 1] : process.env.BENCH_DATABASE_URL) || undefined;

/** CPU seconds of the server's processes on the bench database: those serving connections, and autovacuum's. */
export interface ServerCpu {
  clients: number;
  autovacuum: number;
}

export const serverCpuText = (cpu: ServerCpu) =>
  `${cpu.clients.toFixed(1)}${cpu.autovacuum >= 0.05 ? ` + ${cpu.autovacuum.toFixed(1)} autovacuum` : ''}`;

export interface BenchDatabase {
  url: string;
  /** Starts counting the CPU time of the server processes on this database; the function returned stops and gives it. */
  watchCpu(): () => Promise<ServerCpu>;
  /** ANALYZE the list, as autovacuum does a while after it changed much. */
  analyze(): Promise<void>;
}

/** `work` on a new, empty database of the server at `adminUrl`, dropped afterwards whatever happens. */
export async function withBenchDatabase<T>(adminUrl: string, work: (database: BenchDatabase) => Promise<T>): Promise<T> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const name = `digest_bench_${randomBytes(6).toString('hex')}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  /** The CPU time of each process on the database now, and whether it is autovacuum's. */
  const backends = async () => {
    const times = new Map<number, { cpu: number; autovacuum: boolean }>();
    const rows = await admin<{ pid: number; type: string }[]>`
      SELECT pid, backend_type AS type FROM pg_stat_activity WHERE datname = ${name}`;
    for (const { pid, type } of rows) {
      try {
        times.set(pid, { cpu: cpuOf(pid), autovacuum: type === 'autovacuum worker' });
      } catch {
        // It ended since the query: its time was taken at the last look.
      }
    }
    return times;
  };
  // Looked at every 200 ms: a backend that ends between two looks loses at most its last 200 ms.
  const timers = new Set<NodeJS.Timeout>();
  const watchCpu = () => {
    const start = backends();
    const last = new Map<number, { cpu: number; autovacuum: boolean }>();
    let looks: Promise<unknown> = start;
    const look = () =>
      (looks = looks.then(async () => {
        for (const [pid, seen] of await backends()) last.set(pid, seen);
      }));
    const timer = setInterval(look, 200);
    timers.add(timer);
    return async () => {
      clearInterval(timer);
      await look();
      const before = await start;
      const cpu: ServerCpu = { clients: 0, autovacuum: 0 };
      for (const [pid, seen] of last) cpu[seen.autovacuum ? 'autovacuum' : 'clients'] += seen.cpu - (before.get(pid)?.cpu ?? 0);
      return cpu;
    };
  };
  const analyze = async () => {
    const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
    await sql`ANALYZE subscribers`.finally(() => sql.end());
  };
  try {
    return await work({ url: url.toString(), watchCpu, analyze });
  } finally {
    // A case that failed while watching never stopped its watch.
    for (const timer of timers) clearInterval(timer);
    // Not WITH (FORCE), which refuses to end an autovacuum worker busy on a database that just took many rows (a plain
    // DROP ends it itself): only this role's connections left open are ended first.
    await admin`SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = ${name} AND usename = current_user`;
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`);
    await admin.end();
  }
}
