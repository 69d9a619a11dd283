#!/usr/bin/env node
// GraphQL-over-HTTP conformance audit of a running Conduit server, using the audits
// that ship with graphql-http (the reference implementation of the spec).
//
//   node audit.mjs http://127.0.0.1:8080/graphql        (or: CONDUIT_URL=… npm test)
//
// Prints one line per failing audit, then "MUST: p/t passed" and "SHOULD: p/t passed"
// (and MAY, for information). Exits 1 when any MUST audit fails, 2 when the audit
// could not run at all (bad URL, server unreachable), 0 otherwise.
import { serverAudits } from 'graphql-http';

const LEVELS = ['MUST', 'SHOULD', 'MAY'];

function usage(message) {
  console.error(`${message}\nusage: node audit.mjs http://HOST:PORT/graphql   (or CONDUIT_URL=http://HOST:PORT/graphql npm test)`);
  process.exit(2);
}

const url = process.argv[2] || process.env.CONDUIT_URL;
if (!url) usage('missing the GraphQL endpoint URL');
try {
  new URL(url);
} catch {
  usage(`not a URL: ${url}`);
}

// What the server actually answered, for the failure line: the audits' own reasons
// ("Response status code is not 200") do not say what came back instead.
async function describe(response) {
  if (!response) return '';
  let body = '';
  try {
    body = (await response.text()).replace(/\s+/g, ' ').trim();
  } catch {
    // The audit already consumed the body; status and type still help.
  }
  if (body.length > 160) body = `${body.slice(0, 157)}...`;
  const type = response.headers.get('content-type') || 'no content-type';
  return ` [got ${response.status}, ${type}${body ? `, ${body}` : ''}]`;
}

const audits = serverAudits({ url, fetchFn: fetch });
const results = [];
// One at a time: keeps the failure output in the audits' order and spares a
// rate limiter from a burst of ~60 concurrent requests.
for (const audit of audits) {
  try {
    results.push(await audit.fn());
  } catch (err) {
    // graphql-http throws only for fatal problems, such as the server not answering.
    console.error(`audit ${audit.id} (${audit.name}) could not run: ${err?.cause?.message || err?.message || err}`);
    process.exit(2);
  }
}

const level = (result) => result.name.split(' ', 1)[0];
const summary = Object.fromEntries(LEVELS.map((l) => [l, { passed: 0, total: 0 }]));
for (const l of LEVELS) {
  for (const result of results.filter((r) => level(r) === l)) {
    summary[l].total++;
    if (result.status === 'ok') {
      summary[l].passed++;
      continue;
    }
    const detail = await describe(result.response);
    console.log(`FAIL ${result.id} ${l}: ${result.name.slice(l.length + 1)} — ${result.reason}${detail}`);
  }
}

console.log(`MUST: ${summary.MUST.passed}/${summary.MUST.total} passed`);
console.log(`SHOULD: ${summary.SHOULD.passed}/${summary.SHOULD.total} passed`);
console.log(`MAY: ${summary.MAY.passed}/${summary.MAY.total} passed`);
process.exit(summary.MUST.passed < summary.MUST.total ? 1 : 0);
