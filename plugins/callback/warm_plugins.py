"""Load the Jinja filter and test plugins once in the controller's main process.

ansible-core forks one worker per host and task, and each worker that templates a filter or a
test by its short name loads every filter and test plugin file again: on a no-op run of
cluster.yml that was most of the controller's CPU. Loaded here, before the workers fork, they
inherit the loaded plugins instead.
"""

from __future__ import annotations

from typing import Any

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import filter_loader, test_loader

DOCUMENTATION = r"""
name: warm_plugins
type: aggregate
short_description: Load the Jinja filter and test plugins before the workers fork
description:
  - Loads every filter and test plugin in the main process at the start of each play and task,
    so that forked workers inherit them instead of each loading them again.
  - Changes no output.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "warm_plugins"
    CALLBACK_NEEDS_ENABLED = True

    @staticmethod
    def _warm() -> None:
        # Both loaders return at once when their plugins are already loaded; a role that adds a
        # plugin directory clears them, and the next task start loads them again.
        for loader in (filter_loader, test_loader):
            for _ in loader.all():
                pass

    def v2_playbook_on_play_start(self, play: Any) -> None:
        self._warm()

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        self._warm()
