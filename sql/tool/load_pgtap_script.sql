-- A private copy of pgTAP from its script (sql/tool/pgtap_script.sql), for this transaction
-- only, into a schema of its own. The script runs as CREATE EXTENSION would run it: with the
-- new schema first on the search_path after pg_catalog, so that what it creates lands there.
-- unload_pgtap_script.sql drops it again (install), or the rollback does (verify).
CREATE SCHEMA :"pgtap_schema";
SET LOCAL search_path = :"pgtap_schema", pg_temp;
