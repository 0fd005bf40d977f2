"""Adding broker 4 on the spare host, rebalancing onto it and retiring it, in ZooKeeper mode.
Before test_40 and test_60: they leave settings passed with --extra-vars in place, which a run
without them would revert (restarting brokers and ZooKeeper nodes)."""

from scale_out_suite import *  # noqa: F403 - pytest collects the suite's tests and fixture
