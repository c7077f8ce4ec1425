-- A tag filter tests the list's own row: its tags as an array (from `tag_list`, each tag
-- wrapped in U+001F), in a GIN index. The planner can then intersect a tag's rows with the
-- other filters' indexes, the trigram indexes of a text search above all (a bitmap AND), and
-- read only the rows that pass every one; with the tag in `tags`, a tag and a common text
-- could only be combined by reading every row that had one of them. The filter
-- (src/db/review/list/postgres.rs) is written exactly as this expression.
CREATE INDEX review_list_tags ON review_list USING gin (string_to_array(tag_list, E'\x1f'));

-- Statistics for the new expression, so the first plans after the upgrade know how common
-- each tag is.
ANALYZE review_list;
