"""The course's single-host layout in KRaft mode (tests/single_host_suite.py)."""

from single_host_suite import *  # noqa: F403 - pytest collects the suite's tests and fixture

# Which brokers a changed property restarts is decided the same way in both modes: the single-host
# scenario shows it. Here the rolling restart and the certificate renewal roll every node in KRaft
# mode behind the same gates, under load.
del test_a_property_of_one_broker_restarts_only_that_broker  # noqa: F821
