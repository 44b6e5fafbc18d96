"""Fixtures for the end-to-end tests; the stack driver lives in stack.py."""
import os
import shutil

import pytest

from stack import Stack, free_port, made_dirs, stack_dir


def pytest_sessionfinish(session, exitstatus):
    """The stacks of a run go when every test passed (the session stack is stopped by then) and
    stay for a look when one failed; left alone, they had piled up to 1 GB in /tmp."""
    if exitstatus == 0 and os.environ.get("SORA_KEEP_STACKS") != "1":
        for d in made_dirs:
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def stack():
    s = Stack(stack_dir("main"), free_port()).start()
    yield s
    s.stop()


@pytest.fixture
def sim(stack):
    stack.drain()
    stack.sim_reset()
    return stack
