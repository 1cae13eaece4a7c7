// A fresh PostgreSQL database for each bench case, on the server that `--database URL` (or BENCH_DATABASE_URL) names,
// dropped after; and the CPU the server spends on it. The URL's role must be allowed to CREATE DATABASE.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { cpuOf } from './processes.ts';

const flag = process.argv.indexOf('--database');
/** The server to compare the files backend with; undefined: files alone. */
export const BENCH_DATABASE_URL = (flag >= 0 ? process.argv[flag + 1] : process.env.BENCH_DATABASE_URL) || undefined;

export interface BenchDatabase {
  url: string;
  /** Starts counting the CPU time of the server processes serving this database; the function returned stops and gives the seconds. */
  watchCpu(): () => Promise<number>;
}

/** `work` on a new, empty database of the server at `adminUrl`, dropped afterwards whatever happens. */
export async function withBenchDatabase<T>(adminUrl: string, work: (database: BenchDatabase) => Promise<T>): Promise<T> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const name = `digest_bench_${randomBytes(6).toString('hex')}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  /** The CPU time of each backend connected to the database now. */
  const backends = async () => {
    const times = new Map<number, number>();
    for (const { pid } of await admin<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = ${name}`) {
      try {
        times.set(pid, cpuOf(pid));
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
    const last = new Map<number, number>();
    let looks: Promise<unknown> = start;
    const look = () =>
      (looks = looks.then(async () => {
        for (const [pid, cpu] of await backends()) last.set(pid, cpu);
      }));
    const timer = setInterval(look, 200);
    timers.add(timer);
    return async () => {
      clearInterval(timer);
      await look();
      const before = await start;
      let seconds = 0;
      for (const [pid, cpu] of last) seconds += cpu - (before.get(pid) ?? 0);
      return seconds;
    };
  };
  try {
    return await work({ url: url.toString(), watchCpu });
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
