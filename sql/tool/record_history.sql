-- One row per install that changed something, written in the install's own transaction just
-- before it commits, so the record exists exactly when the change does.
INSERT INTO :"schema".install_history
    (installed_at, installed_by, client_addr, application_name, tool_version, failing_before, steps)
VALUES (pg_catalog.now(), SESSION_USER, pg_catalog.inet_client_addr(),
        pg_catalog.current_setting('application_name'), $1, $2, $3)
