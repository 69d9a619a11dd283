// Builds the offline GraphiQL playground that internal/httpapi embeds.
//
// Dependency-free on purpose: it copies the ready-made UMD files of graphiql 3.x,
// React 18 and ReactDOM 18 (graphql and the graphql-ws client are bundled inside
// graphiql's UMD build) plus our own init.js and CSS into
// internal/httpapi/playground/dist/assets/ under content-hashed names, and writes
// dist/index.html that references them by same-origin absolute paths. Nothing the
// page loads comes from anywhere but the Conduit server.
//
// Usage: npm ci && npm run build
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', '..', 'internal', 'httpapi', 'playground', 'dist');
const assetsDir = join(outDir, 'assets');
const require = createRequire(import.meta.url);

function pkgDir(name) {
  return dirname(require.resolve(`${name}/package.json`));
}

function pkgVersion(name) {
  return JSON.parse(readFileSync(join(pkgDir(name), 'package.json'), 'utf8')).version;
}

// key: placeholder in src/index.html; from: source file.
const assets = [
  { key: 'react.js', from: join(pkgDir('react'), 'umd', 'react.production.min.js') },
  { key: 'react-dom.js', from: join(pkgDir('react-dom'), 'umd', 'react-dom.production.min.js') },
  { key: 'graphiql.js', from: join(pkgDir('graphiql'), 'dist', 'index.umd.js') },
  { key: 'graphiql.css', from: join(pkgDir('graphiql'), 'dist', 'style.css') },
  { key: 'init.js', from: join(here, 'src', 'init.js') },
  { key: 'playground.css', from: join(here, 'src', 'playground.css') },
];

// Source maps are not shipped (the GraphiQL one alone is 4 MB), so drop the
// comments that point at them: browsers would otherwise request a 404.
function stripSourceMapComment(text) {
  return text.replace(/\n?\/[/*][#@] sourceMappingURL=[^\n]*\s*$/, '\n');
}

// Start clean, but keep the committed README.md.
mkdirSync(outDir, { recursive: true });
for (const entry of readdirSync(outDir)) {
  if (entry !== 'README.md') rmSync(join(outDir, entry), { recursive: true, force: true });
}
mkdirSync(assetsDir, { recursive: true });

const urls = {};
for (const { key, from } of assets) {
  const body = stripSourceMapComment(readFileSync(from, 'utf8'));
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  const ext = extname(key);
  const name = `${basename(key, ext)}.${hash}${ext}`;
  writeFileSync(join(assetsDir, name), body);
  urls[key] = `/assets/${name}`;
}

const versions = ['graphiql', 'react', 'react-dom']
  .map((name) => `${name} ${pkgVersion(name)}`)
  .join(', ');
let html = readFileSync(join(here, 'src', 'index.html'), 'utf8');
html = html.replace(/\{\{([^}]+)\}\}/g, (match, key) => {
  if (key === 'VERSIONS') return versions;
  if (!(key in urls)) throw new Error(`src/index.html: unknown placeholder ${match}`);
  return urls[key];
});
writeFileSync(join(outDir, 'index.html'), html);

console.log(`playground built (${versions}) into ${outDir}`);
for (const [key, url] of Object.entries(urls)) console.log(`  ${key.padEnd(15)} ${url}`);
