"""``python -m chainrule …``: the ``chainrule`` command line, for environments without the console script."""

import sys

from chainrule.reference.cli import main

sys.exit(main())
