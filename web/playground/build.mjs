// Builds the offline GraphiQL playground that internal/httpapi embeds.
//
// GraphiQL 5 ships ES modules only and edits with Monaco, whose language
// services run in web workers, so esbuild bundles:
//   - the three workers Monaco asks for (the generic editor worker, the JSON
//     worker for the variables/headers/response editors, and monaco-graphql's
//     GraphQL worker), each into one classic-script file;
//   - src/main.js (GraphiQL, React, the fetcher and graphql-ws) into one script
//     and one stylesheet, with Monaco's icon font beside it;
// into internal/httpapi/playground/dist/assets/ under content-hashed names,
// then writes dist/index.html referencing them by same-origin absolute paths.
// Nothing the page or a worker loads comes from anywhere but the Conduit
// server, and no source maps are emitted or referenced.
//
// Usage: npm ci && npm run build
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', '..', 'internal', 'httpapi', 'playground', 'dist');
const assetsDir = join(outDir, 'assets');
const require = createRequire(import.meta.url);

function pkgVersion(name) {
  return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
}

const common = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  sourcemap: false,
  target: ['es2022'],
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
};

// Start clean, but keep the committed README.md.
mkdirSync(outDir, { recursive: true });
for (const entry of readdirSync(outDir)) {
  if (entry !== 'README.md') rmSync(join(outDir, entry), { recursive: true, force: true });
}
mkdirSync(assetsDir, { recursive: true });

// hashedName names a file by its content, so a new build means a new URL and
// the server can let browsers cache assets for good.
function hashedName(stem, ext, body) {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return `${stem}.${hash}${ext}`;
}

// The workers: label (as Monaco asks for it) -> entry module.
const workerEntries = {
  editor: 'monaco-editor/esm/vs/editor/editor.worker.js',
  json: 'monaco-editor/esm/vs/language/json/json.worker.js',
  graphql: 'monaco-graphql/esm/graphql.worker.js',
};
const workerURLs = {};
for (const [label, entry] of Object.entries(workerEntries)) {
  const result = await esbuild.build({
    ...common,
    entryPoints: [require.resolve(entry)],
    format: 'iife',
    write: false,
    outfile: 'worker.js',
  });
  const [file] = result.outputFiles;
  const name = hashedName(`${label}.worker`, '.js', file.contents);
  writeFileSync(join(assetsDir, name), file.contents);
  workerURLs[label] = `/assets/${name}`;
}

// The page: one script, one stylesheet, and the files the stylesheet names
// (Monaco's codicon font), which esbuild hashes itself.
const page = await esbuild.build({
  ...common,
  entryPoints: { main: join(here, 'src', 'main.js') },
  format: 'iife',
  write: false,
  outdir: assetsDir,
  entryNames: '[name]',
  assetNames: '[name].[hash]',
  publicPath: '/assets',
  loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' },
  define: { ...common.define, CONDUIT_WORKERS: JSON.stringify(workerURLs) },
});
const urls = {};
for (const file of page.outputFiles) {
  const rel = relative(assetsDir, file.path);
  const ext = extname(rel);
  // Entry outputs (main.js, main.css) get their content hash here; the files
  // esbuild emitted for url() references already carry theirs.
  const name = rel.startsWith('main.') ? hashedName(basename(rel, ext), ext, file.contents) : rel;
  writeFileSync(join(assetsDir, name), file.contents);
  urls[rel] = `/assets/${name}`;
}
const css = readFileSync(join(here, 'src', 'playground.css'));
const cssName = hashedName('playground', '.css', css);
writeFileSync(join(assetsDir, cssName), css);
urls['playground.css'] = `/assets/${cssName}`;

// Nothing built may point at a source map or at another host.
for (const entry of readdirSync(assetsDir)) {
  const text = readFileSync(join(assetsDir, entry), 'latin1');
  if (/[#@] sourceMappingURL=/.test(text)) throw new Error(`${entry} references a source map`);
}

const versions = ['graphiql', 'react', 'react-dom', 'monaco-editor']
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
for (const [key, url] of Object.entries({ ...urls, ...workerURLs })) console.log(`  ${key.padEnd(15)} ${url}`);
