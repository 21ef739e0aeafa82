"""The export bundle: its format and the offline verifier, standard library and domain only."""
