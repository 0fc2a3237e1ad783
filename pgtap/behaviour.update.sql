-- description: set_session_data on an existing session replaces its data and expiration, without a second row.
TRUNCATE pg_temp.session;
SELECT FROM pg_temp.set_session_data('cpa-check-a', 'old', pg_catalog.now() + interval '1 hour');
SELECT FROM pg_temp.set_session_data('cpa-check-a', 'new', NULL);
SELECT :"pgtap".results_eq(
    $$SELECT sess_id, sess_data, expiration FROM pg_temp.session$$,
    $$VALUES ('cpa-check-a'::text, 'new'::text, NULL::timestamptz)$$,
    :'description');
