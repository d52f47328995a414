"""``python -m chainrule …``: the ``chainrule`` command line, for environments without the console script."""

import sys

from chainrule.reference.cli import main

if __name__ == "__main__":  # not when a worker process (chainrule verify --jobs) imports this module again
    sys.exit(main())
