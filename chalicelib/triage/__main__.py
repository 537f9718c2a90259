import sys

from chalicelib.triage.cli import main

sys.exit(main())
