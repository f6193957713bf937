-- ledger's schema, for one stage. Run by a superuser (the owner of every object) in the
-- stage's database after roles.sql, with the same psql variables. Idempotent.
--
-- The app's dynamic logins (members of ledger_<tree>_rw) may read accounts, and read and
-- add entries: nothing else. Accounts are added by an administrator (python -m ledger.seed).
\set ON_ERROR_STOP on
\set app_group 'ledger_' :tree '_rw'

CREATE SCHEMA IF NOT EXISTS ledger;
REVOKE ALL ON SCHEMA ledger FROM PUBLIC;
GRANT USAGE ON SCHEMA ledger TO :"app_group";

CREATE TABLE IF NOT EXISTS ledger.accounts (
    handle          text PRIMARY KEY CHECK (length(handle) BETWEEN 1 AND 64),
    passphrase_hash text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS ledger.entries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account      text NOT NULL REFERENCES ledger.accounts (handle),
    amount_cents bigint NOT NULL,
    memo         text NOT NULL DEFAULT '' CHECK (length(memo) <= 200),
    posted_at    timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT ON ledger.accounts TO :"app_group";
GRANT SELECT, INSERT ON ledger.entries TO :"app_group";
-- Tables added later get the same row privileges (new tables are added by this owner).
ALTER DEFAULT PRIVILEGES IN SCHEMA ledger GRANT SELECT ON TABLES TO :"app_group";
