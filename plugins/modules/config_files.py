#!/usr/bin/python
"""Write several small configuration files in one round trip, touching only those that differ."""

from __future__ import annotations

import grp
import hashlib
import os
import pwd
import re
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule

try:
    from ansible.module_utils.unit_records import ERRORS, describe_units
except ImportError:  # imported outside Ansible, by the unit tests
    from unit_records import ERRORS, describe_units

DOCUMENTATION = r"""
module: config_files
short_description: Write a set of configuration files, changing only those whose content or ownership differ
description:
  - One task, one connection, however many files; the template module costs several round
    trips per file, which dominates a no-op run.
  - A file left unchanged keeps its modification time, so services comparing their start time
    with their inputs' times (see unit_state) are not restarted for nothing.
options:
  files:
    description: List of dicts with C(path), C(content), C(owner), C(group) and C(mode) (octal string).
    type: list
    elements: dict
    required: true
  units:
    description:
      - Units that read these files, as unit_state takes them (C(name), C(inputs), optional
        C(volatile_keys) and labels). After writing, their state is returned as unit_state returns
        it, so that deciding what to start or restart costs no second round trip.
    type: list
    elements: dict
    default: []
  record_dir:
    description: Directory of unit_state's records.
    type: path
    default: /var/lib/kafka-toolkit/units
author: kafka-toolkit
"""

# Lines of properties, env and unit files whose key names a secret: their values never reach a diff.
SECRET_KEY = re.compile(r"^(\s*[^#!\s=:]*(?:password|passwd|secret|credential|jaas|token|(?:^|[._-])key(?=[._=:\s-]|$))"
                        r"[^=:\s]*\s*[=:])(.*)$", re.IGNORECASE | re.MULTILINE)


def masked(text: str) -> str:
    """The text with the value of every secret-looking setting replaced, for --diff output."""
    return SECRET_KEY.sub(lambda match: match.group(1) + "********", text)


RETURN = r"""
changed_files:
  description: Paths written or whose ownership or mode was corrected.
  type: list
  returned: always
units:
  description:
    - Per unit of I(units), its state; with C(stale) and C(need_daemon_reload) beside it, exactly
      what unit_state returns for the same units.
  type: list
  returned: always
"""


def current(path: str) -> tuple[bytes | None, os.stat_result | None]:
    try:
        info = os.stat(path)
        with open(path, "rb") as handle:
            return handle.read(), info
    except FileNotFoundError:
        return None, None


def ids(owner: str, group: str) -> tuple[int, int]:
    return pwd.getpwnam(owner).pw_uid, grp.getgrnam(group).gr_gid


def write_atomically(path: str, content: bytes, uid: int, gid: int, mode: int) -> None:
    directory = os.path.dirname(path) or "."
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".config_files.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chown(temporary, uid, gid)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def main() -> None:
    module = AnsibleModule(
        argument_spec={"files": {"type": "list", "elements": "dict", "required": True},
                       "units": {"type": "list", "elements": "dict", "default": []},
                       "record_dir": {"type": "path", "default": "/var/lib/kafka-toolkit/units"}},
        supports_check_mode=True,
    )
    changed_files, diffs = [], []
    for spec in module.params["files"]:
        path = spec["path"]
        content = str(spec["content"]).encode("utf-8")
        mode = int(str(spec.get("mode", "0644")), 8)
        try:
            uid, gid = ids(spec.get("owner", "root"), spec.get("group", "root"))
        except KeyError as error:
            module.fail_json(msg=f"{path}: unknown owner or group {error}")
        old, info = current(path)
        same_content = old is not None and hashlib.sha256(old).digest() == hashlib.sha256(content).digest()
        same_meta = info is not None and (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (uid, gid, mode)
        if same_content and same_meta:
            continue
        changed_files.append(path)
        if not same_content:
            diffs.append({
                "before_header": path, "after_header": path,
                "before": masked((old or b"").decode("utf-8", "replace")),
                "after": masked(content.decode("utf-8", "replace")),
            })
        if module.check_mode:
            continue
        try:
            if same_content:
                os.chown(path, uid, gid)
                os.chmod(path, mode)
            else:
                write_atomically(path, content, uid, gid, mode)
        except OSError as error:
            module.fail_json(msg=f"could not write {path}: {error}", changed_files=changed_files)
    try:
        units = describe_units(module.params["units"], module.params["record_dir"], False, module.check_mode)
    except ERRORS as error:
        module.fail_json(msg=f"could not read the state of the units: {error}", changed_files=changed_files)
    module.exit_json(changed=bool(changed_files), changed_files=changed_files, diff=diffs, **units)


if __name__ == "__main__":
    main()
