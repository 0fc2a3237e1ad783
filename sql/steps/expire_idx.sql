-- step expire_idx: the index on expiration that count_sessions and the expiry sweep use.
-- lock: session table, ACCESS EXCLUSIVE (DROP INDEX)
DROP INDEX IF EXISTS :"schema".expire_idx;
CREATE INDEX expire_idx ON :"schema".session (expiration);
