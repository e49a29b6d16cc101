from cgtest import run_cg, strict_json


def test_mission_command_json():
    p = run_cg("eval", "(x+y)*z", "--x", "2", "--y", "3", "--z", "-4", "--json")
    assert p.returncode == 0, p.err
    d = strict_json(p.out)
    assert d["value"] == -20
    assert d["gradients"] == {"x": -4, "y": -4, "z": 5}
