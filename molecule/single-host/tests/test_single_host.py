"""The course's single-host layout in ZooKeeper mode (tests/single_host_suite.py)."""

from single_host_suite import *  # noqa: F403 - pytest collects the suite's tests and fixture
