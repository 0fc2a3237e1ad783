-- description: A session set with an expiration in the past is not returned, not counted, and is gone after the write.
TRUNCATE pg_temp.session;
SELECT FROM pg_temp.set_session_data('cpa-check-a', 'live', now() + interval '1 hour');
SELECT FROM pg_temp.set_session_data('cpa-check-b', 'expired', now() - interval '1 second');
SELECT results_eq(
    $$SELECT (SELECT count(*) FROM pg_temp.get_session_data('cpa-check-b'))::int,
             pg_temp.count_sessions(),
             (SELECT count(*) FROM pg_temp.session WHERE sess_id = 'cpa-check-b')::int$$,
    $$VALUES (0, 1, 0)$$,
    :'description');
