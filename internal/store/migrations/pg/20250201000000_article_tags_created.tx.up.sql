-- The tag filter pages newest first through an index of its own. Each tag
-- link carries its article's created_at (which never changes after
-- publishing), so that the articles with a tag are read from the index in
-- page order: neither all of them sorted (a popular tag) nor the whole
-- home-page index probed (a rare tag).
ALTER TABLE article_tags ADD COLUMN article_created_at TIMESTAMPTZ;
--bun:split
UPDATE article_tags AS at SET article_created_at = a.created_at FROM articles AS a WHERE a.id = at.article_id;
--bun:split
ALTER TABLE article_tags ALTER COLUMN article_created_at SET NOT NULL;
--bun:split
-- Articles with a tag, newest first; tag popularity (an index-only scan of
-- tag_id); the cascade when a tag is deleted.
CREATE INDEX article_tags_tag_created_idx ON article_tags (tag_id, article_created_at DESC, article_id DESC);
--bun:split
-- Its prefix (tag_id) served everything the new index serves.
DROP INDEX article_tags_tag_idx;
