"""The suite's layout over the cores holds (conftest.py): a group given to pytest-xdist reaches
its scheduler, so each notebook's cells run in order in one kernel on one worker."""
import pytest


@pytest.mark.xdist_group("layout")
def test_a_group_reaches_the_scheduler(request):
    if not hasattr(request.config, "workerinput") or not request.config.getvalue("loadgroup"):
        pytest.skip("runs without pytest-xdist's --dist loadgroup")
    assert request.node.nodeid.endswith("@layout"), (
        "pytest-xdist dropped this test's group: a notebook's cells would be spread over the "
        "workers. pytest 9.2 does this with pytest-xdist 3.8 (pytest-dev/pytest-xdist#1386); "
        "install pytest<9.2, as pyproject.toml asks.")
