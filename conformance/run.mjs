#!/usr/bin/env node
// Starts a Conduit binary in an empty temporary folder (a fresh SQLite
// database), waits until it is ready, runs the GraphQL-over-HTTP audit and
// the real-client subscription checks against it, stops it, and exits
// non-zero when either failed.
//
//   node run.mjs ../conduit
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node run.mjs PATH-TO-CONDUIT-BINARY');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'conduit-conformance-'));
const server = spawn(resolve(binary), ['serve', '--addr', '127.0.0.1:0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
server.stdout.on('data', (chunk) => { output += chunk; });
server.stderr.on('data', (chunk) => { output += chunk; });
const exited = new Promise((res) => server.on('exit', (code) => res(code)));

function stop(code) {
  server.kill('SIGTERM');
  return exited.then(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  });
}

async function baseURL() {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) break;
    const m = output.match(/listening on (http:\/\/\S+) /);
    if (m) {
      try {
        if ((await fetch(`${m[1]}/readyz`)).ok) return m[1];
      } catch { /* not yet */ }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  console.error(`the server did not become ready:\n${output}`);
  return stop(2);
}

// runScript runs one of this folder's scripts against the server.
function runScript(name, endpoint) {
  return new Promise((res) => {
    const child = spawn(process.execPath, [new URL(name, import.meta.url).pathname, endpoint], { stdio: 'inherit' });
    child.on('exit', (code) => res(code ?? 1));
  });
}

const base = await baseURL();
const audit = await runScript('./audit.mjs', `${base}/graphql`);
const clients = await runScript('./clients.mjs', `${base}/graphql`);
await stop(audit || clients);
