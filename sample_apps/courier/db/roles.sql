-- courier's database roles, for one tier. Run by a superuser in the tier's database:
--   psql -v tree=sandbox -v database=courier_sandbox -v admin_role=courier_bao_sandbox -f db/roles.sql
-- Idempotent: a role that exists is left as it is.
--
-- * courier_<tier>_app: the group every dynamic login of OpenBao's database engine joins
--   (NOLOGIN; its privileges come from schema.sql).
-- * :admin_role: the login OpenBao's database engine connects as. Made here without a
--   password; ops/bootstrap.sh hands OpenBao a password for it and OpenBao rotates it at
--   once. It may create members of courier_<tier>_app and end their sessions, nothing else.
\set ON_ERROR_STOP on
\set app_group 'courier_' :tree '_app'

SELECT format('CREATE ROLE %I NOLOGIN', :'app_group')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_group') \gexec

SELECT format('CREATE ROLE %I NOLOGIN CREATEROLE', :'admin_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'admin_role') \gexec

GRANT :"app_group" TO :"admin_role" WITH ADMIN OPTION;
GRANT pg_signal_backend TO :"admin_role";

REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app_group", :"admin_role";
