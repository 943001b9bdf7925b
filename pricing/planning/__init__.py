"""Spend planning: usage files, growth and projections with Monte Carlo bands, and the use cases over them."""
