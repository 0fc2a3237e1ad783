-- step expire_idx: the index on expiration that count_sessions and the expiry sweep use.
-- lock: session table, ACCESS EXCLUSIVE (DROP INDEX)
-- runs as: the owner role (an index build scans the table)
DROP INDEX IF EXISTS :"schema".expire_idx;
CREATE INDEX expire_idx ON :"schema".session (expiration);
