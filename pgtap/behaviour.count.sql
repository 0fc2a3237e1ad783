-- description: count_sessions counts the sessions that have not expired, NULL expiration included.
TRUNCATE pg_temp.session;
-- The copy's trigger is bypassed for the expired row so that the count, not the sweep, is judged.
ALTER TABLE pg_temp.session DISABLE TRIGGER USER;
INSERT INTO pg_temp.session VALUES ('cpa-check-old', 'old', pg_catalog.now() - interval '1 day');
ALTER TABLE pg_temp.session ENABLE TRIGGER USER;
SELECT FROM pg_temp.set_session_data('cpa-check-a', 'a', pg_catalog.now() + interval '1 hour');
SELECT FROM pg_temp.set_session_data('cpa-check-b', 'b', pg_catalog.now() + interval '1 day');
SELECT FROM pg_temp.set_session_data('cpa-check-c', 'c', NULL);
SELECT :"pgtap".is(pg_temp.count_sessions(), 3, :'description');
