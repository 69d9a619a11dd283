DROP INDEX tags_popular_idx;
--bun:split
ALTER TABLE tags DROP COLUMN articles_count;
