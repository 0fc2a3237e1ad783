-- description: The application role may connect to this database (CONNECT through PUBLIC or its own grant).
SELECT :"pgtap".ok(
    -- No role, nothing to connect: the role.app check reports that.
    pg_catalog.to_regrole(:'role') IS NULL
        OR pg_catalog.has_database_privilege(:'role', pg_catalog.current_database(), 'CONNECT'),
    :'description');
