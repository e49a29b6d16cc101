"""pytest fixtures and the Hypothesis profile; the helpers themselves are in cgtest.py."""
import os

import pytest
from hypothesis import HealthCheck, settings

from cgtest import invoke, run_cg

# Machines are shared and noisy: no per-example deadline, no "too slow" health check. Under CI
# the examples are derived from each test's name, so a run is reproducible (random locally).
settings.register_profile(
    "cg", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=bool(os.environ.get("CI")), print_blob=True)
settings.load_profile("cg")


@pytest.fixture(params=["subprocess", "in-process"])
def cg(request):
    """Run a cg command both ways: the installed script and the in-process entry point."""
    return run_cg if request.param == "subprocess" else invoke


def pytest_terminal_summary(terminalreporter, config):
    """The hostile-input suite's runs: peak memory and time of each (tests/test_hostile_input.py)."""
    for line in getattr(config, "_cg_hostile_report", ()):
        terminalreporter.write_line(line)
