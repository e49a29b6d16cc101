"""Symbolic derivatives (diff.py): the backward pass run over expressions, the simplifier and
the expression printer (infix.py)."""
