-- Drops the private copy of pgTAP that load_pgtap_script.sql made in this same transaction.
-- CASCADE reaches only that schema's own objects: it was created in this transaction, so no
-- other session can have made anything that depends on it.
DROP SCHEMA :"pgtap_schema" CASCADE;
