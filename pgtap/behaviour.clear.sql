-- description: clear_sessions removes every session.
TRUNCATE pg_temp.session;
SELECT FROM pg_temp.set_session_data('cpa-check-a', 'a', pg_catalog.now() + interval '1 hour');
SELECT FROM pg_temp.set_session_data('cpa-check-b', 'b', NULL);
SELECT FROM pg_temp.clear_sessions();
SELECT :"pgtap".is_empty($$SELECT * FROM pg_temp.session$$, :'description');
