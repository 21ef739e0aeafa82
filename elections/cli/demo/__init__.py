"""``flask demo``: a made-up school and its elections, built through the operations."""
