"""`python -m pt_recommender` works like the `pt-recommender` command."""

import sys

from .cli import run

sys.exit(run())
