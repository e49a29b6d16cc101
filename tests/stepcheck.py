"""What a step-through (the HTML page, cg explain --step) must show, read off cg explain --json."""
from __future__ import annotations

import re

from cgcli.views.explain import number
from cgtest import run_cg, strict_json


def expected_steps(args):
    """From cg explain --json (every digit), independently of the page: per step the node
    highlighted, the edge, and the arithmetic at the page's 4 significant digits."""
    doc = strict_json(run_cg("explain", *args, "--json").out)
    n = lambda v: number(v, 4)
    names = {s["node"]: s["name"] for s in doc["forward"] + doc["backward"]}
    steps = [dict(node=s["node"], name=s["name"], edge=None, text=f"{s['name']} = {s['formula']} = ",
                  end=f" = {n(s['value'])}") for s in doc["forward"]]
    steps.append(dict(node=doc["output"], name=names[doc["output"]], edge=None, text=f"∂{doc['output_name']}/∂"))
    sums: dict = {}
    grads = {s["node"]: s["grad"] for s in doc["backward"]}
    uses = {s["node"]: len(s["contributions"]) for s in doc["backward"]}
    for s in doc["backward"]:
        for e in s["edges"]:
            sums.setdefault(e["to"], []).append(e["product"])
            text = f"upstream × local = {n(e['upstream'])} × {n(e['local'])} = {n(e['product'])}"
            fan = None
            if uses[e["to"]] > 1:
                fan = f"so far {len(sums[e['to']])} of {uses[e['to']]}"
                if len(sums[e["to"]]) == uses[e["to"]]:
                    fan += f".* = {re.escape(n(grads[e['to']]))} = ∂"
            steps.append(dict(node=s["node"], name=s["name"], target=e["to"], target_name=e["to_name"], edge=f"e{e['to']}_{s['node']}_{e['input']}",
                              text=text, fan=fan))
    return steps
