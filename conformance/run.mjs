#!/usr/bin/env node
// Starts a Conduit binary in an empty temporary folder (a fresh SQLite
// database), waits until it is ready, runs the GraphQL-over-HTTP audit, the
// real-client checks and a Relay app (relay-compiler, relay-runtime) against
// it, and stops it. Then builds a trusted-documents manifest with GraphQL
// Code Generator's client preset, starts the binary again with
// --trusted-documents on it, and checks that it runs those documents and no
// others. Exits non-zero when any step failed.
//
//   node run.mjs ../conduit
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node run.mjs PATH-TO-CONDUIT-BINARY');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'conduit-conformance-'));
const servers = new Set();

// start runs the binary with args in a folder of its own and resolves to
// its base URL once it is ready.
async function start(name, args) {
  const cwd = join(dir, name);
  mkdirSync(cwd);
  const child = spawn(resolve(binary), ['serve', '--addr', '127.0.0.1:0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise((res) => child.on('exit', (code) => res(code)));
  const server = { stop: () => { child.kill('SIGTERM'); return exited; } };
  servers.add(server);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const m = output.match(/listening on (http:\/\/\S+) /);
    if (m) {
      try {
        if ((await fetch(`${m[1]}/readyz`)).ok) return { ...server, base: m[1] };
      } catch { /* not yet */ }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  console.error(`the server (${name}) did not become ready:\n${output}`);
  return finish(2);
}

async function finish(code) {
  await Promise.all([...servers].map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

// runScript runs one of this folder's scripts with args.
function runScript(name, ...args) {
  return new Promise((res) => {
    const child = spawn(process.execPath, [new URL(name, import.meta.url).pathname, ...args], { stdio: 'inherit' });
    child.on('exit', (code) => res(code ?? 1));
  });
}

const plain = await start('plain', []);
const audit = await runScript('./audit.mjs', `${plain.base}/graphql`);
const clients = await runScript('./clients.mjs', `${plain.base}/graphql`);
const relay = await runScript('./relay.mjs', resolve(binary), `${plain.base}/graphql`);
await plain.stop();
servers.delete(plain);

const built = join(dir, 'client-build');
let trusted = await runScript('./codegen.mjs', built);
if (trusted === 0) {
  const manifest = join(built, 'persisted-documents.json');
  const server = await start('trusted', ['--trusted-documents', manifest]);
  trusted = await runScript('./trusted.mjs', `${server.base}/graphql`, manifest);
}
await finish(audit || clients || relay || trusted);
