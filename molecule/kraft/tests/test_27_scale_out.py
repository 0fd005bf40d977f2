"""Adding broker 4 on the spare host, rebalancing onto it and retiring it, in KRaft mode (the id
unregistered). Before test_30: it leaves a controller setting passed with --extra-vars in place."""

from scale_out_suite import *  # noqa: F403 - pytest collects the suite's tests and fixture
