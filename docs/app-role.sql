-- The app's own database role: it reads and writes what the app needs, and no more.
--
-- Run as the schema's owner (the role that runs `flask db upgrade`, which the app must not
-- use), after the first upgrade and after every later one, with a superuser or a member of
-- elections_app for the last line:
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
-- PostgreSQL allows only the table's owner.
ALTER TABLE ballot OWNER TO elections_app;
