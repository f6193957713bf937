-- store-erp's schema, applied by the database owner (not by the app, whose dynamic
-- logins can read and write rows but not change the schema). The group role that
-- every dynamic login joins gets its privileges from the schema's default privileges.

CREATE TABLE IF NOT EXISTS store.users (
    username      text PRIMARY KEY,
    password_hash text NOT NULL
);

CREATE TABLE IF NOT EXISTS store.orders (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item       text NOT NULL CHECK (length(item) BETWEEN 1 AND 200),
    quantity   integer NOT NULL CHECK (quantity > 0),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
