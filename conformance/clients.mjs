#!/usr/bin/env node
// Real GraphQL clients against a running Conduit server: graphql-ws
// (graphql-transport-ws), subscriptions-transport-ws (the legacy graphql-ws
// protocol) and graphql-sse each subscribe to an article's new comments,
// then a comment is added over HTTP and every client must receive it.
// urql, with its default settings and with graphcache, sends a query (over
// GET) and a mutation (POST) with its own Accept header. A browser on
// another origin sends a preflight for each header that tracers and Apollo
// Client add. Apollo Client 4 updates its normalized cache from a
// mutation's answer, and reads a @defer'd fragment from a later part of a
// multipart/mixed answer.
//
//   node clients.mjs http://127.0.0.1:8080/graphql
import { createClient as createWSClient } from 'graphql-ws';
import { createClient as createSSEClient } from 'graphql-sse';
import subscriptionsTransportWS from 'subscriptions-transport-ws';
import WebSocket from 'ws';
import { Client as UrqlClient, cacheExchange as urqlDocumentCache, fetchExchange as urqlFetch } from '@urql/core';
import { cacheExchange as graphcache } from '@urql/exchange-graphcache';
import { ApolloClient, HttpLink, InMemoryCache, gql as apolloGQL } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';

const { SubscriptionClient } = subscriptionsTransportWS;
const url = process.argv[2] || process.env.CONDUIT_URL;
if (!url) {
  console.error('usage: node clients.mjs http://HOST:PORT/graphql');
  process.exit(2);
}
const wsURL = url.replace(/^http/, 'ws');

async function gql(query, variables, token) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

function withTimeout(promise, what, ms = 5000) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: timed out`)), ms))]);
}

const suffix = Date.now().toString(36);
const signUp = `mutation($u: String!, $e: String!) { signUp(input: {username: $u, email: $e, password: "password123"}) { token user { id } } }`;
const { signUp: writer } = await gql(signUp, { u: `writer${suffix}`, e: `writer${suffix}@example.com` });
const { signUp: reader } = await gql(signUp, { u: `reader${suffix}`, e: `reader${suffix}@example.com` });
const { createArticle } = await gql(
  `mutation { createArticle(input: {title: "Live ${suffix}", description: "d", body: "b"}) { article { id } } }`, {}, writer.token);
const articleId = createArticle.article.id;
const subscription = { query: `subscription($id: ID!) { commentAdded(articleId: $id) { body author { username } } }`, variables: { id: articleId } };

// first returns the first result of a subscription and then ends it.
function first(subscribe) {
  return new Promise((resolve, reject) => {
    const stop = subscribe({
      next: (result) => { stop(); result.errors ? reject(new Error(JSON.stringify(result.errors))) : resolve(result.data); },
      error: (err) => reject(err instanceof Error ? err : new Error(JSON.stringify(err))),
      complete: () => {},
    });
  });
}

const checks = [];
function check(name, fn) { checks.push({ name, fn }); }

const graphqlWS = createWSClient({ url: wsURL, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${reader.token}` }, lazy: false });
const legacy = new SubscriptionClient(wsURL, { reconnect: false, connectionParams: { authorization: `Bearer ${reader.token}` } }, WebSocket);
const sse = createSSEClient({ url, headers: { authorization: `Bearer ${reader.token}` } });

const received = {
  'graphql-ws (graphql-transport-ws)': first((sink) => graphqlWS.subscribe(subscription, sink)),
  'subscriptions-transport-ws (graphql-ws)': first((sink) => {
    const sub = legacy.request(subscription).subscribe(sink);
    return () => sub.unsubscribe();
  }),
  'graphql-sse (distinct connections)': first((sink) => sse.subscribe(subscription, sink)),
};
await new Promise((r) => setTimeout(r, 300)); // let every subscription start
await gql(`mutation($id: ID!) { addComment(input: {articleId: $id, body: "hello clients"}) { comment { id } } }`, { id: articleId }, writer.token);

for (const [name, promise] of Object.entries(received)) {
  check(`${name} receives commentAdded`, async () => {
    const data = await withTimeout(promise, name);
    if (data.commentAdded.body !== 'hello clients') throw new Error(`got ${JSON.stringify(data)}`);
  });
}
check('graphql-ws: a bad token closes the socket with 4403', async () => {
  const code = await withTimeout(new Promise((resolve) => {
    const bad = createWSClient({
      url: wsURL, webSocketImpl: WebSocket, connectionParams: { authorization: 'Bearer nonsense' }, lazy: false, retryAttempts: 0,
      on: { closed: (event) => resolve(event.code) },
      onNonLazyError: () => {},
    });
    void bad;
  }), 'bad token');
  if (code !== 4403) throw new Error(`closed with ${code}`);
});

// urql, as an app would make it. The fetch it is given only records what
// urql sends and gets, to show that the check covers urql's defaults
// (queries over GET, its Accept header) and that the answer is JSON, not an
// event stream (which urql would also have read).
function expectJSON(exchange, method) {
  if (exchange.method !== method || !exchange.accept.includes('text/event-stream') || !exchange.type.startsWith('application/graphql-response+json')) {
    throw new Error(`urql sent and got ${JSON.stringify(exchange)}`);
  }
}
for (const [n, name, cache] of [[1, 'urql (@urql/core, default exchanges)', urqlDocumentCache], [2, 'urql with @urql/exchange-graphcache', graphcache({})]]) {
  const sent = [];
  const client = new UrqlClient({
    url,
    exchanges: [cache, urqlFetch],
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      sent.push({ method: init?.method ?? 'GET', accept: new Headers(init?.headers).get('accept'), type: res.headers.get('content-type') });
      return res;
    },
  });
  check(`${name}: a query (GET) gets JSON`, async () => {
    const result = await client.query(`query User($u: String!) { user(username: $u) { id username } }`, { u: `writer${suffix}` }).toPromise();
    if (result.error) throw new Error(result.error.message);
    if (result.data.user.username !== `writer${suffix}`) throw new Error(`got ${JSON.stringify(result.data)}`);
    expectJSON(sent.at(-1), 'GET');
  });
  check(`${name}: a mutation (POST) gets JSON`, async () => {
    const u = `urql${n}${suffix}`;
    const result = await client.mutation(signUp, { u, e: `${u}@example.com` }).toPromise();
    if (result.error) throw new Error(result.error.message);
    if (!result.data.signUp.token) throw new Error(`got ${JSON.stringify(result.data)}`);
    expectJSON(sent.at(-1), 'POST');
  });
}

// Apollo Client 4 as an app makes it, signed in as the reader; @defer needs
// its incremental handler for the format servers write today.
const apollo = new ApolloClient({
  link: new HttpLink({ uri: url, headers: { authorization: `Bearer ${reader.token}` } }),
  cache: new InMemoryCache(),
  incrementalHandler: new Defer20220824Handler(),
});
const apolloArticle = apolloGQL`query Article($id: ID!) { node(id: $id) { id ... on Article { title favoritesCount viewerHasFavorited } } }`;
check('Apollo Client 4: the normalized cache takes a mutation\'s answer', async () => {
  const before = await apollo.query({ query: apolloArticle, variables: { id: articleId } });
  if (before.data.node.favoritesCount !== 0 || before.data.node.viewerHasFavorited !== false) throw new Error(`got ${JSON.stringify(before.data)}`);
  await apollo.mutate({
    mutation: apolloGQL`mutation Favorite($id: ID!) { favoriteArticle(input: {articleId: $id}) { article { id favoritesCount viewerHasFavorited } } }`,
    variables: { id: articleId },
  });
  // Read from the cache alone: the mutation's answer must have updated the
  // article that the first query stored, by its id.
  const after = await apollo.query({ query: apolloArticle, variables: { id: articleId }, fetchPolicy: 'cache-only' });
  if (after.data.node.favoritesCount !== 1 || after.data.node.viewerHasFavorited !== true) throw new Error(`the cache holds ${JSON.stringify(after.data)}`);
});
check('Apollo Client 4: @defer arrives in a later part (multipart/mixed)', async () => {
  const query = apolloGQL`query Deferred($id: ID!) { node(id: $id) { id ... on Article { title ... @defer(label: "comments") { comments(first: 5) { nodes { id body } } } } } }`;
  const results = await withTimeout(new Promise((resolve, reject) => {
    const seen = [];
    const sub = apollo.watchQuery({ query, variables: { id: articleId }, fetchPolicy: 'network-only' }).subscribe({
      next: (r) => {
        if (r.error) { sub.unsubscribe(); reject(r.error); return; }
        if (r.data) seen.push({ state: r.dataState, comments: r.data.node?.comments });
        if (r.dataState === 'complete') { sub.unsubscribe(); resolve(seen); }
      },
      error: reject,
    });
  }), 'Apollo @defer');
  const last = results.at(-1);
  if (!results.some((r) => r.state === 'streaming' && r.comments === undefined)) throw new Error(`no partial result before the deferred part: ${JSON.stringify(results)}`);
  if (!last.comments || last.comments.nodes.length !== 1 || last.comments.nodes[0].body !== 'hello clients') throw new Error(`got ${JSON.stringify(results)}`);
});

// A browser on another origin asks before it sends a header that is not
// safelisted; each of these is sent by a common tracer or client.
for (const header of ['content-type', 'authorization', 'traceparent', 'tracestate', 'baggage', 'sentry-trace',
  'apollographql-client-name', 'apollographql-client-version', 'x-apollo-operation-name', 'apollo-require-preflight']) {
  check(`cross-origin preflight allows ${header}`, async () => {
    const res = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': header },
    });
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
    if (res.status >= 300 || res.headers.get('access-control-allow-origin') !== 'https://app.example.com' || !allowed.includes(header)) {
      throw new Error(`got ${res.status}, allow-origin ${res.headers.get('access-control-allow-origin')}, allow-headers ${allowed.join(', ')}`);
    }
  });
}

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
await graphqlWS.dispose();
legacy.close();
sse.dispose();
console.log(`clients: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
