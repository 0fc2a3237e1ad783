-- description: destroy_session removes exactly that session.
TRUNCATE pg_temp.session;
SELECT FROM pg_temp.set_session_data('cpa-check-a', 'a', now() + interval '1 hour');
SELECT FROM pg_temp.set_session_data('cpa-check-b', 'b', now() + interval '1 hour');
SELECT FROM pg_temp.destroy_session('cpa-check-a');
SELECT results_eq(
    $$SELECT sess_id FROM pg_temp.session ORDER BY sess_id$$,
    $$VALUES ('cpa-check-b'::text)$$,
    :'description');
