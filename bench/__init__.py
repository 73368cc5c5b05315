"""Benchmarks and measurements (not product code): each module prints the figures the docs quote."""
