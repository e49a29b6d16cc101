"""Batch engines: the forward and backward passes over many points at once, column by column
(pure Python in columns.py, NumPy in arrays.py). They use only the core."""
