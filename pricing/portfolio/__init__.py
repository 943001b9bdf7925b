"""The portfolio: the cheapest assignment of workloads to models (the optimiser), measured evidence, the use case."""
