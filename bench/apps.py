from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmarks: an app only so that ``generate_bench_data`` is a management command. It sits
    above every other app (``tests/test_layers.py``), so its command may import the lot, and
    it has no models."""

    name = "bench"
