"""Running the zipapp on Python 3.9 (Debian 11).

Python 3.9's zipimport runs a module before its __package__ is set, and kafka-python finds the
schema of its sticky assignor through __package__: imported from the zip, it looks in the wrong
package and every client fails with FileNotFoundError. On Python before 3.10 the zipapp's entry
point therefore imports kafka-python from a private copy unpacked for this run only (mkdtemp:
mode 0700, a fresh name; removed at exit), and everything else from the zip as usual.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

UNPACKED = ("kafka/",)


def needed(version: tuple[int, ...] = tuple(sys.version_info)) -> bool:
    return version < (3, 10)


def unpack(archive: str, packages: tuple[str, ...] = UNPACKED) -> str:
    """Unpack the packages' files of the zipapp into a private directory put first on sys.path;
    returns the directory."""
    target = tempfile.mkdtemp(prefix="kafka-verify-")
    atexit.register(shutil.rmtree, target, True)
    with zipfile.ZipFile(archive) as bundle:
        members = [name for name in bundle.namelist() if name.startswith(packages)]
        bundle.extractall(target, members)
    sys.path.insert(0, target)
    return target


def archive_of(package_file: str) -> str:
    """The zipapp a bundled package's __init__.py was imported from."""
    return str(Path(package_file).parent.parent)


def prepare() -> None:
    if needed():
        import kafka_verify

        unpack(archive_of(kafka_verify.__file__))
