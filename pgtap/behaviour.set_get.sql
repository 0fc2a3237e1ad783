-- description: set_session_data stores a new session and get_session_data returns its data.
TRUNCATE pg_temp.session;
SELECT FROM pg_temp.set_session_data('cpa-check-a', 'data "a" \ é', pg_catalog.now() + interval '1 hour');
SELECT :"pgtap".results_eq(
    $$SELECT pg_temp.get_session_data('cpa-check-a')$$,
    $$VALUES ('data "a" \ é'::text)$$,
    :'description');
