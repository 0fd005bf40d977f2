"""Metrics and alerts in KRaft mode (tests/metrics_suite.py)."""

from metrics_suite import *  # noqa: F403 - pytest collects the suite's tests and fixture
