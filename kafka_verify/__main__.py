"""python -m kafka_verify: see kafka_verify.cli."""

import sys

from kafka_verify.cli import main

sys.exit(main())
