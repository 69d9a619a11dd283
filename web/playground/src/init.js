// Starts GraphiQL against this server's own /graphql endpoint. Kept as a separate
// file (not inline) so that the page's Content-Security-Policy can say script-src 'self'.
(function () {
  'use strict';

  var httpURL = location.origin + '/graphql';
  var wsURL = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql';

  var exampleQuery = [
    '# Welcome to the Conduit GraphQL playground.',
    '#',
    '# Reading needs no account. To act as a user, sign in',
    '# (or signUp) in a new tab (+ at the top right):',
    '#   mutation {',
    '#     signIn(input: {email: "…", password: "…"}) {',
    '#       token',
    '#     }',
    '#   }',
    '# then paste this into the Headers editor below:',
    '#   {"Authorization": "Bearer <token>"}',
    '# Subscriptions send the same headers over the websocket.',
    '',
    'query HomePage {',
    '  viewer {',
    '    username',
    '  }',
    '  articles(first: 10) {',
    '    edges {',
    '      node {',
    '        slug',
    '        title',
    '        author {',
    '          username',
    '        }',
    '        tags',
    '        favoritesCount',
    '      }',
    '    }',
    '    pageInfo {',
    '      hasNextPage',
    '      endCursor',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');

  // createFetcher picks HTTP for queries and mutations and graphql-ws
  // (subprotocol graphql-transport-ws, bundled in the GraphiQL UMD build) for
  // subscriptions; the header editor's JSON becomes the connection_init payload.
  var fetcher = GraphiQL.createFetcher({ url: httpURL, subscriptionUrl: wsURL });

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: exampleQuery,
      isHeadersEditorEnabled: true,
      // Tokens stay out of localStorage unless the user opts in from the settings dialog.
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers'
    })
  );
})();
