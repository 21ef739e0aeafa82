"""Sign-in, sign-out, language choice, and the landing page that sends each role home."""

from elections.auth.views import bp

__all__ = ["bp"]
