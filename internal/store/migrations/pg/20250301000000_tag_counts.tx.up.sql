-- Each tag counts the articles that carry it, so that the popular tags are
-- read from an index instead of counting every tag link. The store keeps
-- the count in the transaction that changes the links.
ALTER TABLE tags ADD COLUMN articles_count INTEGER NOT NULL DEFAULT 0 CHECK (articles_count >= 0);
--bun:split
UPDATE tags AS t SET articles_count = c.n
FROM (SELECT tag_id, count(*) AS n FROM article_tags GROUP BY tag_id) AS c
WHERE c.tag_id = t.id;
--bun:split
-- Popular tags: most used first, then by name.
CREATE INDEX tags_popular_idx ON tags (articles_count DESC, name);
