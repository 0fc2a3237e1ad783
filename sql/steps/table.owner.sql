-- step table_owner: the owner role owns the table (and so its index); nobody else has rights on it.
-- lock: session table, ACCESS EXCLUSIVE (ALTER TABLE ... OWNER)
-- Runs as the connected superuser: the table may belong to another role (a superuser, after
-- connect-pg 1.1.x), which only a superuser can take it from. A change of owner evaluates
-- nothing attached to the table. It runs right after the table step, before every step that
-- runs as the owner role.
ALTER TABLE :"schema".session OWNER TO :"owner";
REVOKE ALL ON TABLE :"schema".session FROM PUBLIC;
