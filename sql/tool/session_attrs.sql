-- libpq's target_session_attrs check on a server it reached: is a new session read-only
-- (default_transaction_read_only, or hot standby), and is the server in recovery.
SELECT pg_catalog.current_setting('transaction_read_only') OPERATOR(pg_catalog.=) 'on',
       pg_catalog.pg_is_in_recovery();
