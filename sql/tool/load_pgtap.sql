-- pgTAP loaded for this transaction only, into a schema of its own so that it can neither
-- collide with nor be shadowed by anything in public; dropped again by unload_pgtap.sql
-- (install) or by the rollback (verify).
CREATE SCHEMA :"pgtap_schema";
CREATE EXTENSION pgtap SCHEMA :"pgtap_schema";
