-- The portal's earlier, hand-written runner recorded its steps in schema_migrations and refused a database
-- whose version there was above its own (1). Version 2 there makes such an older portal, started on a database
-- refinery migrated, refuse it in its own words instead of migrating beside refinery.
CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY);
INSERT INTO schema_migrations (version) VALUES (2);
