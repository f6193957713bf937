-- courier's schema, for one tier. Run by a superuser (the owner of every object) in the
-- tier's database after roles.sql, with the same psql variables. Idempotent.
--
-- The app's dynamic logins (members of courier_<tier>_app) may read accounts, and read and
-- add parcels: nothing else. Accounts are added by an operator (node tools/seed.js).
\set ON_ERROR_STOP on
\set app_group 'courier_' :tree '_app'

CREATE SCHEMA IF NOT EXISTS courier;
REVOKE ALL ON SCHEMA courier FROM PUBLIC;
GRANT USAGE ON SCHEMA courier TO :"app_group";

CREATE TABLE IF NOT EXISTS courier.accounts (
    email         text PRIMARY KEY CHECK (length(email) BETWEEN 3 AND 254),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS courier.parcels (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner      text NOT NULL REFERENCES courier.accounts (email),
    label      text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT ON courier.accounts TO :"app_group";
GRANT SELECT, INSERT ON courier.parcels TO :"app_group";
