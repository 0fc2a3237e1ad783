-- description: A session set with an expiration in the past is not returned, not counted, and is gone after the write.
TRUNCATE pg_temp.session;
SELECT FROM pg_temp.set_session_data('cpa-check-a', 'live', pg_catalog.now() + interval '1 hour');
SELECT FROM pg_temp.set_session_data('cpa-check-b', 'expired', pg_catalog.now() - interval '1 second');
SELECT :"pgtap".results_eq(
    $$SELECT (SELECT pg_catalog.count(*) FROM pg_temp.get_session_data('cpa-check-b'))::int,
             pg_temp.count_sessions(),
             (SELECT pg_catalog.count(*) FROM pg_temp.session WHERE sess_id = 'cpa-check-b')::int$$,
    $$VALUES (0, 1, 0)$$,
    :'description');
