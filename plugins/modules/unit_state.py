#!/usr/bin/python
"""State of systemd services, and whether their running process runs outdated inputs."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

try:
    from ansible.module_utils.unit_records import ERRORS, describe_units
except ImportError:  # imported outside Ansible, by the unit tests
    from unit_records import ERRORS, describe_units

DOCUMENTATION = r"""
module: unit_state
short_description: Report systemd units and whether each one runs an outdated configuration
description:
  - For every unit, reports whether it is active and enabled, its main process, and whether
    that process runs the current content of its inputs (configuration files, unit files, the
    symlink to the installed release).
  - The content a process started with is kept as a digest in I(record_dir), keyed by the
    boot and the process's start time in clock ticks since boot. A unit is stale when the
    digest of its inputs now differs from that record. Touching a file restarts nothing, and a
    step of the wall clock can neither skip nor repeat a restart.
  - A running process without a record (started before this module kept records, or by
    systemd after a crash) is judged by file times once. If no input changed after it started,
    it runs the current content and its record is written.
  - Deciding restarts from this state rather than from "changed" events means an interrupted
    run still restarts what it left outdated on the next run, and a no-op run restarts nothing.
options:
  units:
    description:
      - List of dicts with C(name) (unit name) and C(inputs) (paths; symlinks are not followed).
      - C(volatile_keys) (optional) names properties whose lines the digest leaves out (settings read
        only at start whose change alone restarts nothing; the process takes them at its next start).
      - Any other key (a label such as the instance it runs) is returned unchanged with the unit's state.
    type: list
    elements: dict
    required: true
  record:
    description:
      - Write the record of every active unit as running its current inputs (right after the
        role started or restarted it). Not in check mode.
    type: bool
    default: false
  record_dir:
    description: Directory of the records.
    type: path
    default: /var/lib/kafka-toolkit/units
author: kafka-toolkit
"""

RETURN = r"""
units:
  description:
    - Per unit, name, active, enabled, failed, main_pid, start_ticks, need_daemon_reload, digest,
      judged_by (digest, file times, recorded now or none) and stale.
  type: list
  returned: always
stale:
  description: Names of the active units whose process does not run the current content of its inputs.
  type: list
  returned: always
need_daemon_reload:
  description: True when systemd has to reload unit files before starting or restarting.
  type: bool
  returned: always
"""

def main() -> None:
    module = AnsibleModule(
        argument_spec={"units": {"type": "list", "elements": "dict", "required": True},
                       "record": {"type": "bool", "default": False},
                       "record_dir": {"type": "path", "default": "/var/lib/kafka-toolkit/units"}},
        supports_check_mode=True,
    )
    try:
        state = describe_units(module.params["units"], module.params["record_dir"], module.params["record"],
                               module.check_mode)
    except ERRORS as error:
        module.fail_json(msg=f"could not read the state of the units: {error}")
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()
