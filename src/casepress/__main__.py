"""``python -m casepress``: the same as the ``casepress`` command."""

import sys

from .cli.commands import main

sys.exit(main())
