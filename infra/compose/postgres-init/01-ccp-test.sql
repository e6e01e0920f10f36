-- The image creates POSTGRES_DB (ccp); the test twin is created here. Tables come from the
-- TypeORM migrations (infra/postgres/ensure-db.sh), never from this folder.
CREATE DATABASE ccp_test;
