"""`python -m course_utils.grade SUBMISSIONS OUT`: see run.py."""
import sys

from .run import main

sys.exit(main())
