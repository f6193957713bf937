-- parcels' database roles for stage @STAGE@: a template, rendered and run by db/init.sh
-- (superuser, in the stage's database). Idempotent: what exists is left as it is.
--
-- * parcels_monitor: one NOLOGIN role every stage shares on a cluster (dashboards are
--   granted it); created here by whichever stage comes first.
-- * parcels_@STAGE@_rw: the group every dynamic login of Vault's database engine joins.
-- * the role Vault connects as (DB_VAULT_ROLE), with a first password
--   (DB_VAULT_PASSWORD, read from the environment, never on a command line);
--   Vault rotates it as soon as the set-up has configured the connection.
\set ON_ERROR_STOP on
\getenv vault_role DB_VAULT_ROLE
\getenv vault_password DB_VAULT_PASSWORD

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'parcels_monitor') THEN
    CREATE ROLE parcels_monitor NOLOGIN;
  END IF;
END
$$;

SELECT 'CREATE ROLE parcels_@STAGE@_rw NOLOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'parcels_@STAGE@_rw') \gexec

SELECT format('CREATE ROLE %I LOGIN CREATEROLE', :'vault_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'vault_role') \gexec

ALTER ROLE :"vault_role" LOGIN PASSWORD :'vault_password';
GRANT parcels_@STAGE@_rw TO :"vault_role" WITH ADMIN OPTION;
GRANT pg_signal_backend TO :"vault_role";

SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO parcels_@STAGE@_rw, %I', current_database(),
              :'vault_role') \gexec
