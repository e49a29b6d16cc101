"""Teaching: the backward pass as steps (steps.py), gate expansion, diagnostics."""
