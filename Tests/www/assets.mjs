// The page's assets as a reader's browser downloads them, and their version: the first 10 hex
// digits of a SHA-256 over www/js and www/css. index.html names assets `v/<version>/…`, which
// nginx may cache for a year; `node Tests/www/assets.mjs --stamp` writes the current version.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const WWW = join(dirname(fileURLToPath(import.meta.url)), '../../www');
export const INDEX = join(WWW, 'index.html');

/** Every asset path under www/ (js and css), sorted. */
export function assetPaths() {
  return ['js', 'css'].flatMap((d) => readdirSync(join(WWW, d)).filter((f) => /\.(js|css)$/.test(f)).map((f) => `${d}/${f}`)).sort();
}

export function assetVersion() {
  const h = createHash('sha256');
  for (const p of assetPaths()) h.update(p).update('\0').update(readFileSync(join(WWW, p))).update('\0');
  return h.digest('hex').slice(0, 10);
}

/** The version index.html names (null if it names none). */
export const stampedVersion = () => /href="v\/([0-9a-f]+)\/css\/app\.css"/.exec(readFileSync(INDEX, 'utf8'))?.[1] ?? null;

/** The modules a page load fetches: app.js and everything it imports statically, transitively. */
export function staticGraph(entry = 'js/app.js') {
  const seen = new Set();
  const visit = (p) => {
    if (seen.has(p)) return;
    seen.add(p);
    const src = readFileSync(join(WWW, p), 'utf8');
    for (const m of src.matchAll(/^import\s[^'"]*['"](\.\/[\w.-]+\.js)['"]/gm)) visit(`js/${m[1].slice(2)}`);
  };
  visit(entry);
  return [...seen].sort();
}

/** Modules loaded on first use (`import('./x.js')`), with what they import in turn that a page load has not. */
export function onDemand() {
  const loaded = new Set(staticGraph());
  const lazy = new Set();
  for (const p of assetPaths().filter((x) => x.endsWith('.js'))) {
    for (const m of readFileSync(join(WWW, p), 'utf8').matchAll(/import\(\s*'(\.\/[\w-]+\.js)'\s*\)/g)) {
      for (const q of staticGraph(`js/${m[1].slice(2)}`)) if (!loaded.has(q)) lazy.add(q);
    }
  }
  return [...lazy, 'css/later.css'].sort();
}

/** Bytes and gzip bytes (level 6, as nginx serves them, one stream per file) of `paths`. */
export function weigh(paths) {
  let raw = 0;
  let gz = 0;
  for (const p of paths) {
    const b = readFileSync(join(WWW, p));
    raw += b.length;
    gz += gzipSync(b, { level: 6 }).length;
  }
  return { raw, gz };
}

if (process.argv[2] === '--stamp') {
  const v = assetVersion();
  writeFileSync(INDEX, readFileSync(INDEX, 'utf8').replace(/v\/[0-9a-f]+\/(css\/app\.css|js\/app\.js)/g, `v/${v}/$1`));
  console.log(`index.html names assets v/${v}/`);
}
