"""pytest fixtures; the helpers themselves are in cgtest.py."""
import pytest

from cgtest import invoke, run_cg


@pytest.fixture(params=["subprocess", "in-process"])
def cg(request):
    """Run a cg command both ways: the installed script and the in-process entry point."""
    return run_cg if request.param == "subprocess" else invoke
