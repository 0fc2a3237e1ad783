-- step schema: the schema that holds the session store, owned by the owner role.
CREATE SCHEMA IF NOT EXISTS :"schema" AUTHORIZATION :"owner";
ALTER SCHEMA :"schema" OWNER TO :"owner";
REVOKE ALL ON SCHEMA :"schema" FROM PUBLIC;
COMMENT ON SCHEMA :"schema" IS 'connect-pg session store, managed by connect-pg-admin';
