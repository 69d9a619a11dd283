#!/usr/bin/env node
// Builds what a client build hands the server in trusted-documents mode:
// GraphQL Code Generator's client preset with persistedDocuments on, over
// the operations in documents/, writes OUTDIR/persisted-documents.json.
//
//   node codegen.mjs OUTDIR
import { generate } from '@graphql-codegen/cli';

const out = process.argv[2];
if (!out) {
  console.error('usage: node codegen.mjs OUTDIR');
  process.exit(2);
}
const here = (path) => new URL(path, import.meta.url).pathname;
try {
  await generate({
    schema: here('../schema.graphqls'),
    documents: [here('documents/*.graphql')],
    silent: true,
    generates: { [`${out}/`]: { preset: 'client', presetConfig: { persistedDocuments: true } } },
  }, true);
} catch (err) {
  console.log(`FAIL GraphQL Code Generator (client preset): ${err.message}`);
  process.exit(1);
}
console.log('ok   GraphQL Code Generator wrote persisted-documents.json');
