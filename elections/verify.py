"""Verify an exported election on any computer: ``python -m elections.verify EXPORT``.

The verifier itself is ``elections.bundle.verify``; this name is the one on every protocol.
"""

from elections.bundle.verify import main

if __name__ == "__main__":
    raise SystemExit(main())
