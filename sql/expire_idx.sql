-- step expire_idx: the index on expiration that count_sessions and the expiry sweep use.
DROP INDEX IF EXISTS :"schema".expire_idx;
CREATE INDEX expire_idx ON :"schema".session (expiration);
