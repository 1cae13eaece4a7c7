// A subscriber list shaped like a real one, for the benchmarks: seeded, so every run on every machine reads the
// same bytes. `npx tsx bench/realistic-list.ts FILE [ROWS] [--bom] [--crlf]` writes one by hand.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export interface ListShape {
  rows: number;
  /** A UTF-8 byte order mark first, as Excel writes "CSV UTF-8". */
  bom?: boolean;
  /** CRLF between rows, as Excel writes them; a line break inside a quoted name stays LF, as Excel's does. */
  crlf?: boolean;
}

/** Five category mixes, three of them several categories at once; empty means every category. */
const MIXES: [mix: string, weight: number][] = [
  ['', 0.45],
  ['Developer Tools', 0.2],
  ['Design; Writing', 0.15],
  ['Research; Productivity; Writing', 0.12],
  ['Developer Tools; Design; Research', 0.08],
];

const PROVIDERS =
  'gmail.com outlook.com yahoo.com hotmail.com icloud.com proton.me gmx.de web.de orange.fr free.fr yahoo.co.jp qq.com'.split(' ');
const ORGS =
  'acme globex initech umbrella hooli stark wayne tyrell cyberdyne soylent aperture wonka oscorp vandelay massive dunder gringotts'.split(
    ' ',
  );
const TLDS = ['com', 'io', 'co.uk', 'de', 'fr'];
/** 12 large providers and 85 organisations: 97 domains, most readers at the large ones. */
const DOMAINS = [...PROVIDERS, ...ORGS.flatMap((org) => TLDS.map((tld) => `${org}.${tld}`))];

/** [as written, as it appears in an address] */
const FIRST: [string, string][] = [
  ['José', 'jose'],
  ['Zoë', 'zoe'],
  ['Søren', 'soren'],
  ['Łukasz', 'lukasz'],
  ['Chidi', 'chidi'],
  ['Ngozi', 'ngozi'],
  ['Amélie', 'amelie'],
  ['Björn', 'bjorn'],
  ['Çağla', 'cagla'],
  ['Dvořák', 'dvorak'],
  ['Émile', 'emile'],
  ['François', 'francois'],
  ['Jürgen', 'jurgen'],
  ['Ines', 'ines'],
  ['Mateo', 'mateo'],
  ['Priya', 'priya'],
  ['Siobhán', 'siobhan'],
  ['Thảo', 'thao'],
  ['Yūki', 'yuki'],
  ['Ólafur', 'olafur'],
  ['Anna', 'anna'],
  ['John', 'john'],
  ['Маша', 'masha'],
  ['Δήμητρα', 'dimitra'],
  ['美咲', 'misaki'],
  ['Fatoumata', 'fatoumata'],
  ['Renée', 'renee'],
  ['Gökhan', 'gokhan'],
  ['Ana', 'ana'],
  ['Wei', 'wei'],
];
const LAST: [string, string][] = [
  ['Okafor', 'okafor'],
  ['García', 'garcia'],
  ['Müller', 'muller'],
  ['Sørensen', 'sorensen'],
  ['Nguyễn', 'nguyen'],
  ['Łukasiewicz', 'lukasiewicz'],
  ["O'Brien", 'obrien'],
  ['Ó Briain', 'obriain'],
  ['Dubois', 'dubois'],
  ['Yılmaz', 'yilmaz'],
  ['Novák', 'novak'],
  ['Smith', 'smith'],
  ['Kowalski', 'kowalski'],
  ['Іваненко', 'ivanenko'],
  ['Παπαδόπουλος', 'papadopoulos'],
  ['山田', 'yamada'],
  ['Adeyemi', 'adeyemi'],
  ['Fernández', 'fernandez'],
  ['Jónsdóttir', 'jonsdottir'],
  ['Šimić', 'simic'],
];

/**
 * Rows the parser checks look for, placed at the start, the middle and the end: a quoted comma, a quoted line
 * break and doubled quotes, several categories.
 */
export function trickyRows(rows: number): Map<number, { email: string; name: string; categories: string; status: string }> {
  return new Map([
    [0, { email: 'chidi.okafor@example.ng', name: 'Okafor, Chidi', categories: 'Design; Writing', status: 'active' }],
    [
      Math.floor(rows / 2),
      { email: 'zoe.angstrom@example.se', name: 'Zoë "Zo" Ångström\nc/o Ålesund office', categories: '', status: 'unsubscribed' },
    ],
    [
      rows - 1,
      { email: 'thi.nguyen@example.vn', name: 'Nguyễn, Thị Minh', categories: 'Research; Productivity; Writing', status: 'active' },
    ],
  ]);
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  // mulberry32
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const pick = <T>(items: T[], r: number): T => items[Math.floor(r * items.length)] as T;
const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** Reader `j`'s address and name parts: a function of `j` alone, so a duplicate can be written again later. */
function person(j: number): { first: [string, string]; last: [string, string]; email: string } {
  const r = seeded(j * 2654435761);
  const first = pick(FIRST, r());
  const last = pick(LAST, r());
  const d = r();
  const domain = d < 0.6 ? (PROVIDERS[Math.floor((d / 0.6) ** 2 * PROVIDERS.length)] as string) : pick(DOMAINS, r());
  const local = r() < 0.7 ? `${first[1]}.${last[1]}${j}` : `${first[1][0]}${last[1]}${j}`;
  return { first, last, email: `${local}@${domain}` };
}

/** The same address in other case, as a second signup or an import from another tool writes it. */
const otherCase = (email: string, r: number) =>
  r < 0.5 ? email.toUpperCase() : email.replace(/(^|\.)([a-z])/g, (_, dot: string, c: string) => dot + c.toUpperCase());

/**
 * `rows` data rows under `email,name,categories,status`: 97 domains, accented and non-Latin names (a tenth
 * written "Last, First", so quoted), five category mixes, every 50th row an earlier address in other case (2%),
 * every 100th row unsubscribed (1%), the rest active or blank.
 */
export async function realisticCsv(file: string, shape: ListShape): Promise<void> {
  const eol = shape.crlf ? '\r\n' : '\n';
  const tricky = trickyRows(shape.rows);
  const r = seeded(20261203);
  const out = createWriteStream(file);
  let chunk = `${shape.bom ? '\uFEFF' : ''}email,name,categories,status${eol}`;
  let distinct = 0;
  for (let i = 0; i < shape.rows; i++) {
    const special = tricky.get(i);
    if (special) {
      chunk += `${special.email},${field(special.name)},${field(special.categories)},${special.status}${eol}`;
    } else {
      const again = i % 50 === 25 && distinct > 0;
      const j = again ? Math.floor(r() * distinct) : distinct++;
      const { first, last, email } = person(j);
      const style = r();
      const name = style < 0.55 ? `${first[0]} ${last[0]}` : style < 0.65 ? `${last[0]}, ${first[0]}` : style < 0.8 ? first[0] : '';
      const m = r();
      let mix = '';
      for (let k = 0, acc = 0; k < MIXES.length; k++) {
        acc += MIXES[k]?.[1] ?? 0;
        if (m < acc) {
          mix = MIXES[k]?.[0] ?? '';
          break;
        }
      }
      const status = i % 100 === 7 ? 'unsubscribed' : r() < 0.9 ? 'active' : '';
      chunk += `${again ? otherCase(email, r()) : email},${field(name)},${mix},${status}${eol}`;
    }
    if (chunk.length > 1 << 16 || i === shape.rows - 1) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end();
  await once(out, 'finish');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, rows] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: bench/realistic-list.ts FILE [ROWS] [--bom] [--crlf]');
  await realisticCsv(file, {
    rows: Number(rows ?? 1_000_000),
    bom: process.argv.includes('--bom'),
    crlf: process.argv.includes('--crlf'),
  });
}
