-- step table: the session table. Columns, key and index of an existing table are repaired by
-- their own steps, so this only creates a missing one.
CREATE TABLE IF NOT EXISTS :"schema".session (
    sess_id    text PRIMARY KEY,
    sess_data  text,
    expiration timestamptz DEFAULT pg_catalog.now() + interval '1 day'
);
