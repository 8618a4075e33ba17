"""`python -m postmortems.cli`: the same as the `postmortems` command."""

import sys

from .main import main

sys.exit(main())
