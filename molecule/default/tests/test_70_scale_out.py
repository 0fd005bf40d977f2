"""Adding broker 4 on the spare host, rebalancing onto it and retiring it, in ZooKeeper mode."""

from scale_out_suite import *  # noqa: F403 - pytest collects the suite's tests and fixture
