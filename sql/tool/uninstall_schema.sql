-- uninstall: drops the session store, object by object and then the schema, all RESTRICT, so
-- that an object uninstall did not know about makes it fail (and roll back) rather than
-- cascade into it. Runs only after uninstall_objects.sql found nothing foreign, in the same
-- transaction. The table goes first: its trigger needs remove_expired.
DROP TABLE IF EXISTS :"schema".session;
DROP TABLE IF EXISTS :"schema".install_history;
DROP FUNCTION IF EXISTS
    :"schema".set_session_data(text, text, timestamptz),
    :"schema".get_session_data(text),
    :"schema".destroy_session(text),
    :"schema".clear_sessions(),
    :"schema".count_sessions(),
    :"schema".remove_expired();
DROP SCHEMA IF EXISTS :"schema";
