-- a new visitor in the expiring run: a session id never seen before, a short expiration.
-- Without removal of expired rows these would make the table grow for as long as it runs.
\set id random(:n + 1, 1000000000000)
\set ttl random(1, :ttl_max)
SELECT web.set_session_data(md5(:id::text), :data, now() + :ttl * interval '1 second');
