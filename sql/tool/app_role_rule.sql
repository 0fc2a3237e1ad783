-- What set-password needs to know before it touches a role's password: whether :'role' looks
-- exactly like the application role install makes for schema :'schema' (docs/design.md,
-- "set-password"). One row, also when the role or the function does not exist.
SELECT r.oid IS NOT NULL AS role_exists,
       pg_catalog.concat_ws(', ',
           CASE WHEN r.rolsuper THEN 'SUPERUSER' END,
           CASE WHEN r.rolcreaterole THEN 'CREATEROLE' END,
           CASE WHEN r.rolcreatedb THEN 'CREATEDB' END,
           CASE WHEN r.rolreplication THEN 'REPLICATION' END,
           CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END,
           CASE WHEN NOT r.rolcanlogin THEN 'NOLOGIN' END) AS attributes,
       (SELECT pg_catalog.string_agg(m.roleid::regrole::text, ', ' ORDER BY m.roleid::regrole::text)
          FROM pg_catalog.pg_auth_members m
         WHERE m.member = r.oid) AS member_of,
       -- pg_shdepend is shared: this counts what the role owns in every database, and the
       -- databases and tablespaces it owns.
       (SELECT pg_catalog.count(*)::int
          FROM pg_catalog.pg_shdepend d
         WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_authid'::regclass
           AND d.refobjid = r.oid
           AND d.deptype = 'o') AS owned,
       f.oid IS NOT NULL AS function_exists,
       f.proowner::regrole::text AS function_owner,
       EXISTS (SELECT FROM pg_catalog.aclexplode(f.proacl) a
                WHERE a.grantee = r.oid AND a.privilege_type = 'EXECUTE') AS execute_granted
  FROM (SELECT) AS one_row
  LEFT JOIN pg_catalog.pg_roles r ON r.rolname = :'role'
  -- Looked up in the catalog, not with to_regprocedure: that needs USAGE on the schema, which
  -- a role with just CREATEROLE (enough to set a password) does not have.
  LEFT JOIN (pg_catalog.pg_proc f
             JOIN pg_catalog.pg_namespace n ON n.oid = f.pronamespace)
         ON n.nspname = :'schema'
        AND f.proname = 'get_session_data'
        AND pg_catalog.oidvectortypes(f.proargtypes) = 'text';
