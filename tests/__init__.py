"""The test suite; the helpers the tests share are in ``tests/support/``."""

import pytest

# The helpers assert as the tests do, so pytest rewrites their asserts too and explains a failure
# (by itself it rewrites only test modules and conftest.py). Registered here, before any of them is imported.
pytest.register_assert_rewrite("tests.support")
