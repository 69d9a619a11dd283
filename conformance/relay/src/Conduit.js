// The operations a Relay app would write against Conduit. relay-compiler
// reads the graphql tags here and writes __generated__/; this file itself is
// never run (an app's Babel plugin would replace each tag by its artifact).
const { graphql } = require('relay-runtime');

// A page of an author's articles, each spread from a fragment, in a
// connection that Relay's ConnectionHandler keeps and pages.
graphql`
  query ConduitArticlesQuery($author: String!, $first: Int!) {
    ...Conduit_articles @arguments(author: $author, first: $first)
  }
`;

graphql`
  fragment Conduit_articles on Query
  @refetchable(queryName: "ConduitArticlesPaginationQuery")
  @argumentDefinitions(
    author: { type: "String!" }
    first: { type: "Int!" }
    after: { type: "String" }
  ) {
    articles(first: $first, after: $after, filter: { author: $author })
    @connection(key: "Conduit_articles", filters: ["filter"]) {
      totalCount
      edges {
        node {
          id
          ...Conduit_article
        }
      }
    }
  }
`;

// One article's fields; refetchable through Query.node by its global id.
graphql`
  fragment Conduit_article on Article
  @refetchable(queryName: "ConduitArticleRefetchQuery") {
    id
    title
    favoritesCount
    viewerHasFavorited
    author {
      username
    }
  }
`;

// Favoriting answers the article by its id: Relay's store updates the
// record that the query above stored, with no refetch.
graphql`
  mutation ConduitFavoriteMutation($id: ID!) {
    favoriteArticle(input: { articleId: $id }) {
      article {
        id
        favoritesCount
        viewerHasFavorited
      }
    }
  }
`;
