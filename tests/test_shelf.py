"""The shelf for file formats (cgcli/core/formats.py): one strict JSON writer and one reader each
for text, JSON Lines, CSV and TOML, each locating a problem by line, isolating a bad record from
the rest and bounded by --max-file-size."""
from __future__ import annotations

import csv
import io
import json
import math

import pytest
from hypothesis import given, strategies as st

from cgcli.core import formats, limits
from cgcli.core.errors import InputError
from cgtest import run_cg, strict_json


@pytest.fixture
def small_limit():
    old = limits.max_file_size
    limits.configure(file_size=100)
    yield 100
    limits.configure(file_size=old)


# --- the JSON writer -------------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(blacklist_categories=()))     # surrogates, controls, all


@given(any_text)
def test_quote_round_trips_through_json_loads(s):
    q = formats.quote(s)
    assert json.loads(q) == s
    # nothing a terminal would act on is written raw, and the text is writable as UTF-8
    assert formats.json_text(q) == q
    assert not any(ord(c) < 32 for c in q)
    q.encode("utf-8")


def test_quote_escapes_a_lone_surrogate_as_today():
    assert formats.quote("a\udcffb") == '"a\\udcffb"'
    assert formats.quote('say "hi"\n\u202e') == '"say \\"hi\\"\\n\\u202e"'


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_number_is_strict_and_exact(x):
    text = formats.number(x)
    assert "NaN" not in text and "Infinity" not in text
    v = strict_json(text)
    if math.isfinite(x):
        assert float(v) == x
    else:
        assert v == ("nan" if math.isnan(x) else ("inf" if x > 0 else "-inf"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=20)


def _expected(v):
    if isinstance(v, float):
        return v if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
    if isinstance(v, dict):
        return {k: _expected(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_expected(x) for x in v]
    return v


@given(json_values)
def test_dumps_never_writes_nan_or_infinity(v):
    text = formats.dumps(v)
    assert "\n" not in text
    assert strict_json(text) == _expected(v)       # strict_json refuses NaN / Infinity literals


def test_document_refuses_a_non_finite_number():
    assert formats.document({"a": [1.5, "\u202e"]}) == '{"a": [1.5, "\\u202e"]}'
    with pytest.raises(ValueError):
        formats.document({"a": math.nan})


# --- text ------------------------------------------------------------------------------------

def test_read_text_good_bad_and_too_large(tmp_path, small_limit):
    p = tmp_path / "a.cg"
    p.write_text("x*y\n", encoding="utf-8")
    assert formats.read_text(str(p)) == "x*y\n"
    p.write_bytes(b"x\xff")
    with pytest.raises(InputError, match=r"a.cg: not UTF-8 text \(invalid start byte at byte 1\)"):
        formats.read_text(str(p))
    p.write_text("x" * 101)
    with pytest.raises(InputError, match="--max-file-size"):
        formats.read_text(str(p))


def test_read_text_bom_bad_bytes_and_links(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"\xef\xbb\xbfstudent\r\nann\xff\r\n")
    assert formats.read_text(str(p), bom=True, bad_bytes=True) == "student\r\nann\udcff\r\n"
    with pytest.raises(limits.FileProblem) as e:       # the byte is counted in the file, BOM and all
        formats.read_text(str(p), bom=True)
    assert e.value.reason == "not UTF-8 text (invalid start byte at byte 15)"
    assert e.value.message == f"cg: {p}: not UTF-8 text (invalid start byte at byte 15)"
    assert formats.read_text(str(p), bad_bytes=True).startswith("\ufeffstudent")   # bom=False keeps it
    link = tmp_path / "l.toml"
    link.symlink_to(p)
    assert formats.read_text(str(link), bad_bytes=True).endswith("ann\udcff\r\n")
    with pytest.raises(limits.FileProblem) as e:
        formats.read_text(str(link), follow=False)
    assert e.value.reason == "a symbolic link: not read"


def test_read_stdin_is_bounded(small_limit):
    assert formats.read_stdin(io.BytesIO(b"x" * 100)) == b"x" * 100
    assert formats.read_stdin(io.BytesIO(b"x" * 101)) is None


def test_a_program_file_over_the_bound_is_refused(tmp_path):
    p = tmp_path / "big.cg"
    p.write_text("x+" * 100 + "x")
    r = run_cg("eval", str(p), "--x", "1", "--max-file-size", "50")
    assert r.returncode == 2
    assert "--max-file-size" in r.err and "Traceback" not in r.err


# --- JSON Lines ------------------------------------------------------------------------------

def test_jsonl_records_isolate_a_bad_line():
    text = '{"x": 1}\r\n\n{"x": \n{"x": NaN}\n[1, 2]\n{"x": 3}\n'
    got = list(formats.jsonl_records(text))
    assert [(n, v) for n, v, e in got if e is None] == [(1, {"x": 1}), (5, [1, 2]), (6, {"x": 3})]
    bad = {n: e for n, v, e in got if e is not None}
    assert isinstance(bad[3], json.JSONDecodeError)
    assert str(bad[4]) == "NaN is not a number JSON allows"


def test_jsonl_a_key_twice_is_refused_with_unique():
    dec = formats.decoder(unique=True)
    got = list(formats.jsonl_records('{"a": 1}\n{"a": 1, "a": 2}\n{"b": 2}\n', dec))
    assert got[0] == (1, {"a": 1}, None) and got[2] == (3, {"b": 2}, None)
    assert got[1][0] == 2 and str(got[1][2]) == 'the key "a" appears twice in one object'
    assert formats.decoder()('{"a": 1, "a": 2}') == {"a": 2}        # without unique: the last wins


def test_jsonl_a_deep_line_is_that_lines_error():
    got = list(formats.jsonl_records("[" * 100000 + "\n{}\n"))
    assert isinstance(got[0][2], RecursionError) and got[1] == (2, {}, None)


def test_jsonl_records_from_bytes_isolate_a_line_not_utf8():
    data = b'{"a": 1}\r\n\n  {"a": "\xff"}\n{"a": "\xe2\x80\xa8"}\n\x0c{"a": 3}\x0c\n'
    got = list(formats.jsonl_records(data))
    # lines end at b"\n" only: a raw U+2028 inside a string does not split its line
    assert [(n, v) for n, v, e in got if e is None] == [(1, {"a": 1}), (4, {"a": "\u2028"}), (5, {"a": 3})]
    assert [(n, type(e)) for n, v, e in got if e is not None] == [(3, UnicodeDecodeError)]


def test_read_lines_skips_an_overlong_line(small_limit):
    stream = io.BytesIO(b'{"x": 1}\r\n' + b"9" * 500 + b'\n{"x": 2}\n')
    lines = [x for block in formats.read_lines(stream) for x in block]
    assert lines == [(1, b'{"x": 1}\r'), (2, None), (3, b'{"x": 2}')]
    assert "--max-file-size" in formats.too_long().message


def test_points_file_bad_line_in_the_middle_keeps_the_rest():
    r = run_cg("eval", "x*2", "--points", "-", input='{"x": 1}\n{"x": \n{"x": 3}\n')
    rows = [json.loads(line) for line in r.out.splitlines()]
    assert r.returncode == 2
    assert rows[0]["value"] == 2 and rows[2]["value"] == 6
    assert rows[1]["line"] == 2 and "error" in rows[1]


# --- CSV -------------------------------------------------------------------------------------

def test_csv_rows_good_crlf_and_a_bad_row_in_the_middle(small_limit):
    old = csv.field_size_limit()
    try:
        text = "a,b\r\n1,2\r\n3," + "4" * 150 + "\r\n5,6\r\n"
        csv.field_size_limit(120)              # the shelf raises the limit to the file bound only
        got = list(formats.csv_rows(text))
    finally:
        csv.field_size_limit(old)
    assert [(n, c) for n, c, e in got if e is None] == [(1, ["a", "b"]), (2, ["1", "2"]), (4, ["5", "6"])]
    assert [(n, type(e)) for n, c, e in got if e is not None] == [(3, csv.Error)]


def test_fit_reads_a_bom_csv_and_locates_a_bad_row(tmp_path):
    data = tmp_path / "d.csv"
    data.write_bytes("\ufeffx0,x1,y\r\n0.5,1,1\r\n-1,2,0\r\n".encode())
    r = run_cg("fit", "sigmoid(w0*x0 + w1*x1 + b)", "--data", str(data), "--epochs", "1", "--json")
    assert r.returncode == 0, r.err
    d = strict_json(r.out)["data"]
    assert d["columns"] == ["x0", "x1"] and d["target"] == "y" and d["rows"] == 2
    data.write_text("x0,x1,y\n0.5,1,1\n1,2\n-1,2,0\n")
    r = run_cg("fit", "sigmoid(w0*x0 + w1*x1 + b)", "--data", str(data), "--epochs", "1")
    assert r.returncode == 2
    assert "d.csv, line 3: 2 fields, but the header has 3 (x0, x1, y)" in r.err


def test_fit_data_over_the_bound_names_the_option(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"x0": 0.5, "x1": 1, "y": 1}\n' * 20)
    r = run_cg("fit", "sigmoid(w0*x0 + w1*x1 + b)", "--data", str(data), "--max-file-size", "100")
    assert r.returncode == 2
    assert "--max-file-size" in r.err and "Traceback" not in r.err


def test_fit_jsonl_a_bad_line_is_located(tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text('{"x0": 0.5, "x1": 1, "y": 1}\n{"x0": Infinity}\n')
    r = run_cg("fit", "sigmoid(w0*x0 + w1*x1 + b)", "--data", str(data), "--epochs", "1")
    assert r.returncode == 2
    assert "d.jsonl, line 2: Infinity is not a number JSON allows" in r.err


# --- TOML ------------------------------------------------------------------------------------

def test_parse_toml_good_and_located_problems():
    assert formats.parse_toml('a = 1\n[b]\nc = "x"\n') == {"a": 1, "b": {"c": "x"}}
    with pytest.raises(formats.TomlProblem) as e:
        formats.parse_toml('a = 1\nb = = 2\nc = 3\n')
    assert e.value.line == 2 and e.value.reason.startswith("not valid TOML: ")
    with pytest.raises(formats.TomlProblem) as e:
        formats.parse_toml("a = 1\nb = " + "[" * 5000 + "]" * 5000 + "\n")
    assert e.value.line == 2 and "nest too deeply" in e.value.reason
    with pytest.raises(formats.TomlProblem) as e:
        formats.parse_toml("a = 1\n\nb = " + "1" * 5000 + "\n")
    assert e.value.line == 3 and e.value.reason == formats.TOO_LONG_NUMBER


def test_toml_keeps_written_numbers():
    class Written(float):
        def __new__(cls, text):
            self = super().__new__(cls, text)
            self.text = text
            return self
    doc = formats.parse_toml("x = 0.10\n", parse_float=Written)
    assert doc["x"] == 0.1 and doc["x"].text == "0.10"
