#!/usr/bin/env node
// Checks a Conduit server started with --trusted-documents on the manifest
// that GraphQL Code Generator's client preset wrote (codegen.mjs): each of
// its documents runs when a client names it by its id, as the preset's
// generated documents carry it (documentId in the body or the URL,
// extensions.persistedQuery.sha256Hash), or sends its text; any other
// document is refused with PERSISTED_QUERY_NOT_ALLOWED.
//
//   node trusted.mjs http://127.0.0.1:8080/graphql path/to/persisted-documents.json
import { readFileSync } from 'node:fs';

const [url, manifestPath] = process.argv.slice(2);
if (!url || !manifestPath) {
  console.error('usage: node trusted.mjs http://HOST:PORT/graphql persisted-documents.json');
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const variables = { Home: { first: 3 } };
const accept = 'application/graphql-response+json, application/json';

async function post(body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}
function expectData({ status, body }) {
  if (status !== 200 || body.errors || !body.data) throw new Error(`got ${status} ${JSON.stringify(body)}`);
}

const checks = [];
function check(name, fn) { checks.push({ name, fn }); }

check('the manifest keys its documents as sha256:<hex>', () => {
  const ids = Object.keys(manifest);
  if (ids.length === 0 || !ids.every((id) => /^sha256:[0-9a-f]{64}$/.test(id))) throw new Error(`ids ${ids.join(', ')}`);
});
for (const [id, text] of Object.entries(manifest)) {
  const name = text.match(/^(?:query|mutation|subscription)\s+(\w+)/)?.[1];
  const vars = variables[name] ?? {};
  check(`${name}: by documentId in the body`, async () => expectData(await post({ documentId: id, variables: vars })));
  check(`${name}: by documentId in a GET URL`, async () => {
    const res = await fetch(`${url}?${new URLSearchParams({ documentId: id, variables: JSON.stringify(vars) })}`, { headers: { accept } });
    expectData({ status: res.status, body: await res.json() });
  });
  check(`${name}: by extensions.persistedQuery.sha256Hash`, async () => expectData(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: id } }, variables: vars })));
  check(`${name}: by its text`, async () => expectData(await post({ query: text, variables: vars })));
}
check('a document outside the manifest is refused', async () => {
  const { status, body } = await post({ query: '{ viewer { username email } }' });
  if (status !== 400 || body.errors?.[0]?.extensions?.code !== 'PERSISTED_QUERY_NOT_ALLOWED') throw new Error(`got ${status} ${JSON.stringify(body)}`);
});

let passed = 0;
let failed = 0;
for (const { name, fn } of checks) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err.message}`);
  }
}
console.log(`trusted documents: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
