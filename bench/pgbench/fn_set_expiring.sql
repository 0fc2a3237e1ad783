-- set in the expiring run: a third of the sessions (id % 3 = 0) get a short expiration, so
-- they keep expiring during the run; the others keep one day.
\set id random(1, :n)
\set ttl case when :id % 3 = 0 then random(1, :ttl_max) else 86400 end
SELECT web.set_session_data(md5(:id::text), :data, now() + :ttl * interval '1 second');
