-- ledger's database roles, for one stage. Run by a superuser in the stage's database:
--   psql -v env=dev -v tree=dev -v database=ledger_dev -v admin_role=ledger_vault_dev -f roles.sql
-- Idempotent: a role that exists is left as it is.
--
-- * ledger_<tree>_rw: the group every dynamic login of Vault's database engine joins
--   (NOLOGIN; its privileges come from schema.sql).
-- * :admin_role: the login Vault's database engine connects as. Created here without a
--   password; whoever configures Vault sets one, and Vault rotates it at once. It can
--   create roles, grant them ledger_<tree>_rw (ADMIN OPTION on that group only) and
--   end their sessions when a lease is revoked (pg_signal_backend).
\set ON_ERROR_STOP on
\set app_group 'ledger_' :tree '_rw'

SELECT format('CREATE ROLE %I NOLOGIN', :'app_group')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_group') \gexec

SELECT format('CREATE ROLE %I NOLOGIN CREATEROLE', :'admin_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'admin_role') \gexec

GRANT :"app_group" TO :"admin_role" WITH ADMIN OPTION;
GRANT pg_signal_backend TO :"admin_role";

REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app_group", :"admin_role";
