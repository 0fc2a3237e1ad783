-- step history: the table in which every install that changed something records when, by
-- whom, with which version of the tool, which checks failed and which steps ran
-- (sql/tool/record_history.sql). Only the owner role (and superusers) may read it: it says
-- nothing secret, but the application has no business with it.
CREATE TABLE IF NOT EXISTS :"schema".install_history (
    installed_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    installed_by     name        NOT NULL DEFAULT SESSION_USER,
    client_addr      inet,
    application_name text,
    tool_version     text        NOT NULL,
    failing_before   text[]      NOT NULL,
    steps            text[]      NOT NULL
);
-- A table made by hand, or by an older version, gets the columns it lacks.
ALTER TABLE :"schema".install_history
    ADD COLUMN IF NOT EXISTS installed_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    ADD COLUMN IF NOT EXISTS installed_by     name        NOT NULL DEFAULT SESSION_USER,
    ADD COLUMN IF NOT EXISTS client_addr      inet,
    ADD COLUMN IF NOT EXISTS application_name text,
    ADD COLUMN IF NOT EXISTS tool_version     text,
    ADD COLUMN IF NOT EXISTS failing_before   text[],
    ADD COLUMN IF NOT EXISTS steps            text[];
ALTER TABLE :"schema".install_history OWNER TO :"owner";
REVOKE ALL ON TABLE :"schema".install_history FROM PUBLIC;
REVOKE ALL ON TABLE :"schema".install_history FROM :"role";
COMMENT ON TABLE :"schema".install_history IS
    'connect-pg-admin: one row per install that changed something (what failed, what ran, when, by whom)';
