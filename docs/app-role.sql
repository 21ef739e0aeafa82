-- The app's own database role: it reads and writes what the app needs, and no more.
--
-- Run as the schema's owner (the role that runs `flask db upgrade`, which the app must not
-- use), after the first upgrade and after every later one. The owner must be a member of
-- elections_app (GRANT elections_app TO elections_owner, once, as a superuser): that is
-- what lets it hand the ballot table over, and go on granting on it and altering it in
-- later upgrades.
--
--     psql "$OWNER_URL" -v ON_ERROR_STOP=1 -f docs/app-role.sql
--
-- A table's owner can switch its triggers off, so the role that owns audit_event could
-- drop its append-only guard; the app's role owns nothing but the ballot table, and may
-- only read and add audit entries. tests/test_pg_app_role.py runs a whole election under
-- exactly these grants.

GRANT USAGE ON SCHEMA public TO elections_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO elections_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO elections_app;
-- The audit log: read and append, never change or remove.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM elections_app;
-- The seal rewrites the ballot table in key order (CLUSTER) and vacuums it, which
-- PostgreSQL allows only the table's owner. A new owner needs CREATE on the schema at the
-- moment it is given the table, and not after: the app creates nothing.
GRANT CREATE ON SCHEMA public TO elections_app;
ALTER TABLE ballot OWNER TO elections_app;
REVOKE CREATE ON SCHEMA public FROM elections_app;
