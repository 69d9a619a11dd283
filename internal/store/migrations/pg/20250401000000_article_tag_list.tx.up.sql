-- Each article keeps its tags, in the author's order, as a JSON array, so
-- that a page of articles reads them with its rows instead of sorting each
-- article's links. article_tags stays the index of the tag filter and of
-- the tag counts; the store writes both in the transaction that changes
-- the tags.
ALTER TABLE articles ADD COLUMN tag_list TEXT NOT NULL DEFAULT '[]';
--bun:split
UPDATE articles AS a SET tag_list = l.tags
FROM (SELECT at.article_id, json_agg(t.name ORDER BY at.position)::text AS tags
	FROM article_tags AS at JOIN tags AS t ON t.id = at.tag_id GROUP BY at.article_id) AS l
WHERE l.article_id = a.id;
