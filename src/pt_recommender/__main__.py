"""`python -m pt_recommender` works like the `pt-recommender` command."""

import sys

from .cli import main

sys.exit(main())
