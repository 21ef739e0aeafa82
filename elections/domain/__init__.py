"""Pure parts: no Flask, no database, no clock or randomness of their own."""
