-- description: destroy_session removes exactly that session.
TRUNCATE pg_temp.session;
SELECT FROM pg_temp.set_session_data('cpa-check-a', 'a', pg_catalog.now() + interval '1 hour');
SELECT FROM pg_temp.set_session_data('cpa-check-b', 'b', pg_catalog.now() + interval '1 hour');
SELECT FROM pg_temp.destroy_session('cpa-check-a');
SELECT :"pgtap".results_eq(
    $$SELECT sess_id FROM pg_temp.session ORDER BY sess_id$$,
    $$VALUES ('cpa-check-b'::text)$$,
    :'description');
