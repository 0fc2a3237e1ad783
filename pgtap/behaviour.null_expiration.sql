-- description: A session with NULL expiration never expires: it is returned and counted.
TRUNCATE pg_temp.session;
SELECT FROM pg_temp.set_session_data('cpa-check-a', 'forever', NULL);
SELECT :"pgtap".results_eq(
    $$SELECT (SELECT pg_catalog.array_agg(d) FROM pg_temp.get_session_data('cpa-check-a') AS d), pg_temp.count_sessions()$$,
    $$VALUES (ARRAY['forever'::text], 1)$$,
    :'description');
