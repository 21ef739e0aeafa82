"""Read models: what pages and exports show, read from the database and never written."""
