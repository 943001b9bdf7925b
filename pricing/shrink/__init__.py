"""Shrink: what quantising, distilling or fine-tuning a smaller model costs and saves against a baseline.

`engine` is the pure maths (labelling, training compute, payback, Monte Carlo, tornado) over projection options;
`fine_tuning` reads the hosted fine-tuning price file; `relative` turns a frontier into shares of a baseline;
`service` builds a comparison from the store and a usage file for the CLI and the Shrink page.
"""
