"""What a long-lived server process does once it has loaded the application."""

import gc


def settle_heap() -> None:
    """Load the URL configuration (and with it the views, forms and serializers), then
    move every object loaded so far out of the cyclic garbage collector's sight.

    These objects live as long as the process, yet each full collection walks all of them:
    on the queue pages that is several milliseconds at the 95th percentile (measured with
    bench/bench_queue.py). ``gc.freeze()`` leaves them alone; collection of what requests
    allocate is unchanged."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.collect()
    gc.freeze()
