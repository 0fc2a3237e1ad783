-- step table_owner: the owner role owns the table (and so its index); nobody else has rights on it.
-- lock: session table, ACCESS EXCLUSIVE (ALTER TABLE ... OWNER)
ALTER TABLE :"schema".session OWNER TO :"owner";
REVOKE ALL ON TABLE :"schema".session FROM PUBLIC;
