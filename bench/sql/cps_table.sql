-- connect-pg-simple's documented schema (its table.sql), owned by the role that queries it.
CREATE ROLE bench_cps LOGIN;
GRANT CREATE ON SCHEMA public TO bench_cps;
SET ROLE bench_cps;
CREATE TABLE "session" (
  "sid" varchar NOT NULL COLLATE "default",
  "sess" json NOT NULL,
  "expire" timestamp(6) NOT NULL
)
WITH (OIDS=FALSE);
ALTER TABLE "session" ADD CONSTRAINT "session_pkey" PRIMARY KEY ("sid") NOT DEFERRABLE INITIALLY IMMEDIATE;
CREATE INDEX "IDX_session_expire" ON "session" ("expire");
RESET ROLE;
