CREATE INDEX article_tags_tag_idx ON article_tags (tag_id, article_id);
--bun:split
DROP INDEX article_tags_tag_created_idx;
--bun:split
ALTER TABLE article_tags DROP COLUMN article_created_at;
