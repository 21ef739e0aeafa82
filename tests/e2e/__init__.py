"""End-to-end tests: the real server (gunicorn) driven by Debian's Chromium through Playwright."""
