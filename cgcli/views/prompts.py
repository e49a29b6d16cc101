"""What a quiz asks at each step of a step-through (the HTML page's and `cg explain --step
--quiz`'s questions): the question and the step's arithmetic with its result left out."""
from __future__ import annotations

from .explain import Explainer


def prompts(result, walk, frames, precision=4, decimals=None) -> list:
    """Per frame of cgcli.teach.steps.frames: (question, the known part of the arithmetic),
    or None for the seed (the output's gradient is 1: nothing to ask)."""
    ex = Explainer(result, walk, False, precision, decimals)
    out = []
    for f in frames:
        i = f.node
        if f.phase == "forward":
            out.append((f"What is the value of {ex.name(i)}?",
                        f"{ex.name(i)} = {ex.formula(i)} = {ex.numbers(i)} = ?"))
        elif f.phase == "backward":
            e = f.edge
            out.append((f"What gradient does {ex.name(i)} = {ex.formula(i)} send back to {ex.name(e.to)}?",
                        f"{ex.target(e)} = upstream × local = {ex.grad(i)} × ? = ?"))
        else:
            out.append(None)
    return out
