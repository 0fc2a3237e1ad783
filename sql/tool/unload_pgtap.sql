DROP EXTENSION pgtap;
DROP SCHEMA :"pgtap_schema";
