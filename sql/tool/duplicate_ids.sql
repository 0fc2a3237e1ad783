-- What keeps sess_id from becoming the primary key again (run by preflight.rs only when it is
-- not the key, and the table and column exist): up to ten duplicated ids, how many ids are
-- duplicated, and how many rows have no id. Install refuses on any of them: which of two
-- sessions to keep is a person's decision, and the tool never deletes sessions to make a
-- constraint fit.
WITH dup AS (
    SELECT s.sess_id::text AS id
      FROM :"schema".session s
     WHERE s.sess_id IS NOT NULL
     GROUP BY s.sess_id
    HAVING pg_catalog.count(*) > 1
)
SELECT ARRAY(SELECT id FROM dup ORDER BY id LIMIT 10) AS duplicated,
       (SELECT pg_catalog.count(*) FROM dup) AS duplicated_count,
       (SELECT pg_catalog.count(*) FROM :"schema".session s WHERE s.sess_id IS NULL) AS nulls;
