// The playground's entry module: build.mjs bundles it with esbuild into one
// script (and one stylesheet) that index.html loads from this server, so the
// page's Content-Security-Policy can say script-src 'self' (no inline script).
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { getIntrospectionQuery } from 'graphql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';

// GraphiQL 5's editors are Monaco, which runs its language services in web
// workers. build.mjs bundles each worker into its own same-origin file under a
// content-hashed name and puts the names here (esbuild `define`), so no worker
// is built from a blob: or fetched from a CDN.
/* global CONDUIT_WORKERS */
const workers = CONDUIT_WORKERS;
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    // Monaco asks for 'json' (variables, headers, response), 'graphql'
    // (the operation editor) and the generic editor worker for anything else.
    return new Worker(workers[label] || workers.editor, { name: label });
  },
};

const httpURL = `${location.origin}/graphql`;
const wsURL = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;

const exampleQuery = `# Welcome to the Conduit GraphQL playground.
#
# Reading needs no account. To act as a user, sign in
# (or signUp) in a new tab (+ at the top):
#   mutation {
#     signIn(input: {email: "…", password: "…"}) {
#       token
#     }
#   }
# then paste this into the Headers editor below:
#   {"Authorization": "Bearer <token>"}
# Subscriptions send the same headers over the websocket.

query HomePage {
  viewer {
    username
  }
  articles(first: 10) {
    edges {
      node {
        slug
        title
        author {
          username
        }
        tags
        favoritesCount
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`;

// The fetcher sends queries and mutations over HTTP and subscriptions over
// graphql-ws (subprotocol graphql-transport-ws); the header editor's JSON
// becomes the websocket's connection_init payload.
//
// GraphiQL loads the schema with graphql-js's getIntrospectionQuery, whose type
// references nest nine ofType levels deep in current graphql-js. Counted with its
// fragments expanded, that document has 503 fields, over Conduit's default
// field limit (--max-fields 500), so GraphiQL would show QUERY_TOO_COMPLEX
// instead of a schema. No type here wraps deeper than [String!]! (three levels),
// so the playground asks for the same fields seven levels deep, as graphql-js
// did before.
const introspectionQuery = getIntrospectionQuery({ typeDepth: 7 });
const fetcher = createGraphiQLFetcher({ url: httpURL, subscriptionUrl: wsURL });
function playgroundFetcher(params, opts) {
  if (params.operationName === 'IntrospectionQuery') {
    return fetcher({ ...params, query: introspectionQuery }, opts);
  }
  return fetcher(params, opts);
}

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher: playgroundFetcher,
    defaultQuery: exampleQuery,
    isHeadersEditorEnabled: true,
    // Tokens stay out of localStorage unless the user opts in from the settings dialog.
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: 'headers',
  }),
);
