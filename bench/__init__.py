"""Benchmarks and measurements: they time and measure the product, and are never imported by it."""
