-- Whether :'schema'.:'table' is one of the store's own tables, and whose it is, before the
-- tool reads or writes its rows (db::as_table_owner). Reading a relation runs what its owner
-- (or whoever holds that role) attached to it: a view's or a rule's functions, casts of a
-- column type of theirs, an index expression the planner folds. So the tool touches rows
-- only of a plain table, and only as the role that owns it: the owner role, or a superuser
-- (connect-pg 1.x before install), whose tables no one else could have changed.
SELECT c.relkind::text AS kind,
       c.relowner::pg_catalog.regrole::text AS table_owner,
       COALESCE(c.relowner OPERATOR(pg_catalog.=) o.oid, false) AS owned_by_owner_role,
       COALESCE(w.rolsuper, false) AS owned_by_superuser,
       COALESCE(pg_catalog.pg_has_role(o.oid, 'MEMBER'), false) AS may_act_as_owner_role
  FROM (SELECT) AS one_row
  LEFT JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) :'schema'
  LEFT JOIN pg_catalog.pg_class c
         ON c.relnamespace OPERATOR(pg_catalog.=) n.oid AND c.relname OPERATOR(pg_catalog.=) :'table'
  LEFT JOIN pg_catalog.pg_roles w ON w.oid OPERATOR(pg_catalog.=) c.relowner
  LEFT JOIN pg_catalog.pg_roles o ON o.rolname OPERATOR(pg_catalog.=) :'owner'
