\set id random(1, :n)
DELETE FROM web.session s WHERE s.sess_id = md5(:id::text);
