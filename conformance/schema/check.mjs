// Fails when schema.graphqls breaks the schema of the last release for
// clients (a field, type, argument or enum value removed, a type changed,
// an argument made required...), unless breaks.json acknowledges that
// change. Dangerous changes (an enum value or union member added, which old
// clients may not handle) are printed, never fatal.
//
// The last release's schema is kept beside this file, in release.graphqls:
// a clone may not carry tags, and the check must run on every clone.
// `make schema-release` refreshes it when a release is tagged.
//
// Usage: node check.mjs [current.graphqls]      (default: ../../schema.graphqls)
//        node check.mjs --self-test             (the check fails on a known break)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema } from 'graphql';
import { diff, CriticalityLevel } from '@graphql-inspector/core';

const here = dirname(fileURLToPath(import.meta.url));
const releasePath = join(here, 'release.graphqls');
const acknowledgedPath = join(here, 'breaks.json');

// changeID names a change stably, for breaks.json: its kind and where.
export function changeID(change) {
  return `${change.type} ${change.path ?? ''}`.trim();
}

// check diffs two schema texts and returns the breaking changes that
// acknowledged (a list of change ids) does not cover, and the dangerous ones.
export async function check(releaseText, currentText, acknowledged) {
  const changes = await diff(buildSchema(releaseText), buildSchema(currentText));
  const breaking = changes.filter((c) => c.criticality.level === CriticalityLevel.Breaking);
  const dangerous = changes.filter((c) => c.criticality.level === CriticalityLevel.Dangerous);
  const ack = new Set(acknowledged);
  return {
    unacknowledged: breaking.filter((c) => !ack.has(changeID(c))),
    acknowledged: breaking.filter((c) => ack.has(changeID(c))),
    dangerous,
    total: changes.length,
  };
}

function loadAcknowledged() {
  const doc = JSON.parse(readFileSync(acknowledgedPath, 'utf8'));
  if (!Array.isArray(doc.acknowledged)) throw new Error(`${acknowledgedPath}: want {"acknowledged": [{"change": "...", "why": "..."}]}`);
  for (const a of doc.acknowledged) {
    if (typeof a.change !== 'string' || typeof a.why !== 'string' || a.why.trim() === '') {
      throw new Error(`${acknowledgedPath}: each entry needs "change" and a non-empty "why": ${JSON.stringify(a)}`);
    }
  }
  return doc.acknowledged.map((a) => a.change);
}

async function selfTest(releaseText) {
  // Removing a field that clients select must be caught, and acknowledging
  // it must let it pass.
  const broken = releaseText.replace(/^\s*("[^"\n]*"\n\s*)?popularTags\(.*$/m, '');
  if (broken === releaseText) throw new Error('self-test: Query.popularTags not found in release.graphqls');
  const caught = await check(releaseText, broken, []);
  if (!caught.unacknowledged.some((c) => changeID(c) === 'FIELD_REMOVED Query.popularTags')) {
    throw new Error('self-test: removing Query.popularTags was not reported as breaking');
  }
  const passed = await check(releaseText, broken, ['FIELD_REMOVED Query.popularTags']);
  if (passed.unacknowledged.length !== 0) throw new Error('self-test: an acknowledged break still failed the check');
  console.log('schema check self-test: a removed field fails the check, and passes once acknowledged');
}

async function main() {
  const releaseText = readFileSync(releasePath, 'utf8');
  if (process.argv[2] === '--self-test') return selfTest(releaseText);
  const currentPath = process.argv[2] ?? join(here, '..', '..', 'schema.graphqls');
  const result = await check(releaseText, readFileSync(currentPath, 'utf8'), loadAcknowledged());
  for (const c of result.dangerous) console.log(`dangerous (allowed): ${changeID(c)}: ${c.message}`);
  for (const c of result.acknowledged) console.log(`breaking, acknowledged in breaks.json: ${changeID(c)}: ${c.message}`);
  if (result.unacknowledged.length > 0) {
    console.error(`schema.graphqls breaks clients of the last release (conformance/schema/release.graphqls):`);
    for (const c of result.unacknowledged) console.error(`  ${changeID(c)}: ${c.message}`);
    console.error('Keep the old names working (add, deprecate, never rename), or acknowledge each change in conformance/schema/breaks.json with why.');
    process.exit(1);
  }
  console.log(`schema check: ${result.total} change(s) since the last release, none breaking unacknowledged`);
}

main().catch((err) => {
  console.error(err.stack ?? String(err));
  process.exit(1);
});
