-- parcels' schema, for one stage: run by db/init.sh (superuser, the owner of every
-- object) after the roles, with the psql variable stage. Idempotent.
--
-- The app's dynamic logins (members of parcels_<stage>_rw) may read users, and read and
-- add parcels: nothing else. Users are added by an administrator (python -m parcels.seed).
\set ON_ERROR_STOP on
\set app_group 'parcels_' :stage '_rw'

CREATE SCHEMA IF NOT EXISTS parcels;
REVOKE ALL ON SCHEMA parcels FROM PUBLIC;
GRANT USAGE ON SCHEMA parcels TO :"app_group";

CREATE TABLE IF NOT EXISTS parcels.users (
    name          text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS parcels.parcels (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner      text NOT NULL REFERENCES parcels.users (name),
    label      text NOT NULL CHECK (length(label) BETWEEN 1 AND 120),
    status     text NOT NULL DEFAULT 'registered',
    created_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT ON parcels.users TO :"app_group";
GRANT SELECT, INSERT ON parcels.parcels TO :"app_group";
