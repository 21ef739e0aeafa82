"""Formats in: student rolls, photos, Markdown manifestos, and CSV that spreadsheets open safely."""
