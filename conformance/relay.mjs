#!/usr/bin/env node
// A Relay app against a running Conduit server. Writes the schema that the
// binary serves to relay/schema.graphql (`conduit schema`: relay-compiler
// does not read a *.graphqls file), compiles the operations in relay/src/
// with relay-compiler into relay/__generated__/, and runs them through a
// relay-runtime Environment (Network, RecordSource, Store) with its default
// settings, its fetch function POSTing to the server as an app's would:
// a query that spreads a fragment holding an @connection, the next page
// of that connection, a mutation whose answer updates the stored article by
// its global id with no refetch, and a @refetchable fragment refetched
// through Query.node.
//
//   node relay.mjs ../conduit http://127.0.0.1:8080/graphql
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import relay from 'relay-runtime';

const { Environment, Network, RecordSource, Store, ConnectionHandler, commitMutation, createOperationDescriptor, getRequest, getSelector } = relay;
const require = createRequire(import.meta.url);
const [binary, url] = process.argv.slice(2);
if (!binary || !url) {
  console.error('usage: node relay.mjs PATH-TO-CONDUIT-BINARY http://HOST:PORT/graphql');
  process.exit(2);
}

// Compile: the schema as the binary prints it, then relay-compiler (its
// native binary, from the npm package) over relay/src/.
const here = (path) => new URL(path, import.meta.url).pathname;
function compileFailed(what) {
  console.log(`FAIL ${what}`);
  console.log('relay: 0 passed, 1 failed');
  process.exit(1);
}
const schema = spawnSync(binary, ['schema'], { encoding: 'utf8' });
if (schema.status !== 0) compileFailed(`conduit schema: ${schema.error ?? schema.stderr}`);
writeFileSync(here('relay/schema.graphql'), schema.stdout);
rmSync(here('relay/__generated__'), { recursive: true, force: true });
mkdirSync(here('relay/__generated__'));
const compiler = spawnSync(require('relay-compiler'), [], { cwd: here('relay'), encoding: 'utf8' });
if (compiler.status !== 0) compileFailed(`relay-compiler: ${compiler.error ?? ''}${compiler.stdout}${compiler.stderr}`);
console.log('ok   relay-compiler compiled relay/src/ against `conduit schema`');
const artifact = (name) => require(here(`relay/__generated__/${name}.graphql.js`));
const ArticlesQuery = artifact('ConduitArticlesQuery');
const ArticlesPaginationQuery = artifact('ConduitArticlesPaginationQuery');
const ArticleRefetchQuery = artifact('ConduitArticleRefetchQuery');
const FavoriteMutation = artifact('ConduitFavoriteMutation');
const ArticlesFragment = artifact('Conduit_articles');
const ArticleFragment = artifact('Conduit_article');

// gql sends a request outside Relay, as another client would.
async function gql(query, variables, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const suffix = Date.now().toString(36);
const username = `relay${suffix}`;
const { signUp } = await gql(
  `mutation($u: String!, $e: String!) { signUp(input: {username: $u, email: $e, password: "password123"}) { token } }`,
  { u: username, e: `${username}@example.com` });
const token = signUp.token;
const titles = [];
for (const n of [1, 2, 3]) {
  const title = `Relay ${n} ${suffix}`;
  await gql(`mutation($t: String!) { createArticle(input: {title: $t, description: "d", body: "b"}) { article { id } } }`, { t: title }, token);
  titles.unshift(title); // the list is newest first
}

// The Environment as a Relay app makes it; requests counts what it sends.
const requests = [];
const environment = new Environment({
  network: Network.create(async (params, variables) => {
    requests.push(params.name);
    const res = await fetch(url, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: params.text, variables, operationName: params.name }),
    });
    return res.json();
  }),
  store: new Store(new RecordSource()),
});

// load runs a query through the Environment and keeps its data in the
// store (as a mounted component would), resolving to the operation.
function load(query, variables) {
  const operation = createOperationDescriptor(getRequest(query), variables);
  environment.retain(operation);
  return new Promise((resolve, reject) => {
    environment.execute({ operation }).subscribe({ complete: () => resolve(operation), error: reject });
  });
}
// read reads a fragment from the store, as useFragment would.
const read = (fragment, ref) => environment.lookup(getSelector(fragment, ref));

const checks = [];
function check(name, fn) { checks.push({ name, fn }); }

let pageRef; // the first query's reference to its Conduit_articles fragment
let articleRef; // the newest article's fragment reference
check('a query spreading a fragment with an @connection reads its page from the store', async () => {
  const operation = await load(ArticlesQuery, { author: username, first: 2 });
  pageRef = environment.lookup(operation.fragment).data;
  const { articles } = read(ArticlesFragment, pageRef).data;
  articleRef = articles.edges[0]?.node;
  const got = articles.edges.map((e) => read(ArticleFragment, e.node).data.title);
  if (articles.totalCount !== 3 || JSON.stringify(got) !== JSON.stringify(titles.slice(0, 2))) {
    throw new Error(`got totalCount ${articles.totalCount}, titles ${JSON.stringify(got)}`);
  }
  const connection = storedConnection();
  if (!connection || connection.hasNextPage !== true) throw new Error(`the store holds the connection ${JSON.stringify(connection)}`);
});

check('the next page (the @refetchable pagination query) joins the same connection', async () => {
  const after = storedConnection().endCursor;
  await load(ArticlesPaginationQuery, { author: username, first: 2, after });
  // The first query's fragment, read again, shows both pages in order.
  const { articles } = read(ArticlesFragment, pageRef).data;
  const got = articles.edges.map((e) => read(ArticleFragment, e.node).data.title);
  if (JSON.stringify(got) !== JSON.stringify(titles)) throw new Error(`the connection holds ${JSON.stringify(got)}`);
  if (storedConnection().hasNextPage !== false) throw new Error('the last page says another follows');
});

check('a mutation updates the stored article by its global id, with no refetch', async () => {
  if (!articleRef) throw new Error('no article: the first query read none');
  const before = read(ArticleFragment, articleRef);
  if (before.data.favoritesCount !== 0 || before.data.viewerHasFavorited !== false) throw new Error(`before: ${JSON.stringify(before.data)}`);
  const id = before.data.id;
  let notified; // what a component showing the article would render next
  const subscription = environment.subscribe(before, (next) => { notified = next.data; });
  const sent = requests.length;
  await new Promise((resolve, reject) => {
    commitMutation(environment, { mutation: FavoriteMutation, variables: { id }, onCompleted: (_, errors) => (errors ? reject(new Error(JSON.stringify(errors))) : resolve()), onError: reject });
  });
  subscription.dispose();
  const record = environment.getStore().getSource().get(id);
  if (record?.favoritesCount !== 1 || record?.viewerHasFavorited !== true) throw new Error(`the store's record ${id} is ${JSON.stringify(record)}`);
  if (notified?.favoritesCount !== 1) throw new Error(`the fragment's subscriber got ${JSON.stringify(notified)}`);
  if (JSON.stringify(requests.slice(sent)) !== JSON.stringify(['ConduitFavoriteMutation'])) throw new Error(`sent ${JSON.stringify(requests.slice(sent))}`);
});

check('a @refetchable fragment refetches its article through Query.node', async () => {
  if (!articleRef) throw new Error('no article: the first query read none');
  const { id } = read(ArticleFragment, articleRef).data;
  const title = `Renamed ${suffix}`;
  await gql(`mutation($id: ID!, $t: String!) { updateArticle(input: {id: $id, title: $t}) { article { id } } }`, { id, t: title }, token);
  const operation = await load(ArticleRefetchQuery, { id });
  const fetched = read(ArticleFragment, environment.lookup(operation.fragment).data.node).data;
  const stored = read(ArticleFragment, articleRef).data; // the first query's reference sees it too
  if (fetched.title !== title || stored.title !== title || stored.favoritesCount !== 1) {
    throw new Error(`refetched ${JSON.stringify(fetched)}, the page shows ${JSON.stringify(stored)}`);
  }
});

// storedConnection reads the Conduit_articles connection for this author
// as an updater sees it, through Relay's ConnectionHandler.
function storedConnection() {
  let got = null;
  environment.commitUpdate((store) => {
    const connection = ConnectionHandler.getConnection(store.getRoot(), 'Conduit_articles', { filter: { author: username } });
    const pageInfo = connection?.getLinkedRecord('pageInfo');
    if (pageInfo) got = { edges: connection.getLinkedRecords('edges').length, endCursor: pageInfo.getValue('endCursor'), hasNextPage: pageInfo.getValue('hasNextPage') };
  });
  return got;
}

let passed = 1; // relay-compiler
let failed = 0;
for (const { name, fn } of checks) {
  try {
    await fn();
    passed++;
    console.log(`ok   Relay: ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL Relay: ${name}: ${err.message}`);
  }
}
console.log(`relay: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
