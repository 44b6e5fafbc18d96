"""Fixtures for the end-to-end tests; the stack driver lives in stack.py."""
import pytest

from stack import Stack, free_port, stack_dir


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
