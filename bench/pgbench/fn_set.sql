-- set through the function: the session is written again with a one-day expiration.
\set id random(1, :n)
\set ttl 86400
SELECT web.set_session_data(md5(:id::text), :data, now() + :ttl * interval '1 second');
