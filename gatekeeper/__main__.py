"""``python -m gatekeeper``: same as the ``gatekeeper`` console script."""

import sys

from gatekeeper.cli import main

sys.exit(main())
