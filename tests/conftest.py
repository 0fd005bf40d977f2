"""Make the repository's Python (the verifier, the Ansible filter and modules) importable."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "plugins" / "filter", ROOT / "plugins" / "modules", ROOT / "plugins" / "module_utils"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
