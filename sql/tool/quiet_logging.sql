-- Keeps the next statement (ALTER ROLE ... PASSWORD '<SCRAM verifier>') out of the server log
-- and pg_stat_statements, for the rest of this transaction. Every setting is reserved to
-- superusers (or roles granted SET on it, PostgreSQL 15+); one the connected role may not
-- change, or that this server does not know, is skipped: the verifier is not the password,
-- and the caller reads back what took effect.
DO $quiet$
DECLARE
    s text[];
BEGIN
    FOREACH s SLICE 1 IN ARRAY ARRAY[
        ['log_statement', 'none'],
        ['log_min_duration_statement', '-1'],
        ['log_min_duration_sample', '-1'],
        ['log_min_error_statement', 'panic'],
        ['pg_stat_statements.track_utility', 'off']
    ] LOOP
        BEGIN
            PERFORM pg_catalog.set_config(s[1], s[2], true);
        EXCEPTION WHEN OTHERS THEN
            NULL;
        END;
    END LOOP;
END
$quiet$;
SELECT pg_catalog.current_setting('log_statement') = 'none'
   AND pg_catalog.current_setting('log_min_duration_statement')::int < 0
   AND pg_catalog.current_setting('log_min_error_statement') = 'panic' AS quiet;
