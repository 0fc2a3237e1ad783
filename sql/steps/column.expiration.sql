-- step column.expiration: expiration exists, is timestamptz, and defaults to a day from now.
-- A timestamp without time zone is read in the session's TimeZone, as PostgreSQL's own cast does.
-- What follows runs inside the step's DO block (sql/tool/column_step.sql), where t is the table.
    EXECUTE pg_catalog.format(
        'ALTER TABLE %s ALTER COLUMN expiration SET DEFAULT now() + interval ''1 day''', t);
