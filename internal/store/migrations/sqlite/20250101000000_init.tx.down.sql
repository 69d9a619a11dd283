DROP TABLE comments;
--bun:split
DROP TABLE favorites;
--bun:split
DROP TABLE article_tags;
--bun:split
DROP TABLE tags;
--bun:split
DROP TABLE articles;
--bun:split
DROP TABLE follows;
--bun:split
DROP TABLE users;
