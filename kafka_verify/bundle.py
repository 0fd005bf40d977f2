"""Build a single-file zipapp of the verifier and kafka-python (pure Python), so cluster hosts
run it with their own python3, without pip or internet.

    python -m kafka_verify.bundle OUTPUT.pyz

The zip is reproducible (sorted entries, fixed timestamps): the same sources give the same
bytes, and an unchanged bundle is not rewritten, so copying it to hosts is a no-op on re-runs.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import zipfile
from pathlib import Path

ENTRY = '''import sys

from kafka_verify import zipcompat

zipcompat.prepare()
if len(sys.argv) > 1 and sys.argv[1] == "topics":
    from kafka_verify.topics import main
    sys.exit(main(sys.argv[2:]))
if len(sys.argv) > 1 and sys.argv[1] == "rebalance":
    from kafka_verify.rebalance import main
    sys.exit(main(sys.argv[2:]))
if len(sys.argv) > 1 and sys.argv[1] == "status":
    from kafka_verify.status import main
    sys.exit(main(sys.argv[2:]))
if len(sys.argv) > 1 and sys.argv[1] == "verify":
    del sys.argv[1]
from kafka_verify.cli import main
sys.exit(main())
'''
SKIPPED_SUFFIXES = (".pyc", ".pyi")
FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def package_files(package: str) -> list[tuple[str, Path]]:
    """(name in the archive, path on disk) of every file of an importable package."""
    module = __import__(package)
    root = Path(module.__file__).parent
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and not path.name.endswith(SKIPPED_SUFFIXES):
            files.append((f"{package}/{path.relative_to(root).as_posix()}", path))
    return files


def build(packages: tuple[str, ...] = ("kafka_verify", "kafka")) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = [("__main__.py", ENTRY.encode())]
        for package in packages:
            entries.extend((name, path.read_bytes()) for name, path in package_files(package))
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return b"#!/usr/bin/env python3\n" + buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kafka_verify.bundle", description=__doc__.split("\n\n")[0])
    parser.add_argument("output", help="path of the .pyz to write")
    args = parser.parse_args(argv)
    try:
        data = build()
    except ImportError as error:
        print(json.dumps({"changed": False, "error": f"cannot bundle: {error}; install kafka-python"}))
        return 1
    target = Path(args.output)
    # Callers read this JSON even on failure (roles/kafka_client builds in a lookup): never a traceback.
    try:
        changed = not target.exists() or target.read_bytes() != data
        if changed:
            target.parent.mkdir(parents=True, exist_ok=True)
            # A name of this process's own: scenarios deployed side by side build the same bundle at once.
            temporary = target.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(data)
            os.chmod(temporary, 0o755)  # noqa: S103 - an executable zipapp, readable by all on purpose
            temporary.replace(target)
    except OSError as error:
        print(json.dumps({"changed": False, "error": f"cannot write the bundle to {target}: {error}"}))
        return 1
    print(json.dumps({"changed": changed, "path": str(target), "sha256": hashlib.sha256(data).hexdigest(),
                      "bytes": len(data)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
