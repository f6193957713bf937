-- store-erp's database roles for one environment, run by a superuser in the
-- environment's database: psql -v tree=production -v database=... -v admin_role=...
-- The app never logs in as a fixed role: Vault creates short-lived logins that join
-- the group role, through an admin role that may grant that group and nothing else.
\set ON_ERROR_STOP 1
\set app_group store_erp_ :tree _app
CREATE ROLE :"app_group" NOLOGIN;
CREATE ROLE :"admin_role" NOLOGIN CREATEROLE;
GRANT :"app_group" TO :"admin_role" WITH ADMIN OPTION;
GRANT pg_signal_backend TO :"admin_role";
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"database" TO :"app_group", :"admin_role";
CREATE SCHEMA store AUTHORIZATION CURRENT_USER;
GRANT USAGE ON SCHEMA store TO :"app_group";
ALTER DEFAULT PRIVILEGES IN SCHEMA store GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_group";
ALTER DEFAULT PRIVILEGES IN SCHEMA store GRANT USAGE ON SEQUENCES TO :"app_group";
