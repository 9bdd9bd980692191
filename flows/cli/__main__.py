"""``python -m flows.cli``: the ``pitboard`` command without its installed script."""

import sys

from flows.cli import main

sys.exit(main())
