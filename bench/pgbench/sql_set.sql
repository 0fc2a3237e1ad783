\set id random(1, :n)
\set ttl 86400
INSERT INTO web.session (sess_id, sess_data, expiration)
VALUES (md5(:id::text), :data, now() + :ttl * interval '1 second')
ON CONFLICT (sess_id) DO UPDATE SET sess_data = excluded.sess_data, expiration = excluded.expiration;
