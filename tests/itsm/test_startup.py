"""The server process's start-up: the long-lived heap is frozen out of the collector."""

import gc

from itsm.startup import settle_heap


def test_settle_heap_loads_the_urls_and_freezes_what_is_loaded():
    gc.unfreeze()
    try:
        settle_heap()
        assert gc.get_freeze_count() > 0
        import incidents.views  # noqa: F401 - loaded by the URL configuration already
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
