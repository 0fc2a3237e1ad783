-- the limit: the same get as plain SQL on the same table (what the function body runs).
\set id random(1, :n)
SELECT s.sess_data FROM web.session s
 WHERE s.sess_id = md5(:id::text) AND (s.expiration IS NULL OR s.expiration >= now());
