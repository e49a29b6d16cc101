"""The core: the op table, the grammar's tables, parse, the graph, the forward and backward
passes, errors and number formatting. It imports nothing else of cg's."""

__version__ = "0.1.0"
