"""Tag tests borrow the events fixture for making events."""

from tests.events.conftest import make_event  # noqa: F401 - fixture
