"""aistruct.sanitize: untrusted text made inert for terminals, spreadsheets and JSON parsers."""

from __future__ import annotations

import json
import math

import pytest

from aistruct.sanitize import dumps_json, json_safe, spreadsheet_text, terminal_text


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("\x1b[2J", "\\x1b[2J"),  # clear screen: ESC shown, never sent
        ("a\x07b", "a\\x07b"),  # BEL
        ("\x9b31m", "\\x9b31m"),  # C1 CSI
        ("\x7f", "\\x7f"),  # DEL
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),  # right-to-left override
        ("\u2066x\u2069", "\\u2066x\\u2069"),  # isolates
        ("line\u2028sep", "line\\u2028sep"),
        ("[bold red]x[/]", "[bold red]x[/]"),  # markup is the renderer's job (rich.text.Text): kept as text
        ("字节跳动 é", "字节跳动 é"),  # ordinary text untouched
    ],
)
def test_terminal_text_shows_every_control_and_bidi_character_as_an_escape(raw, shown):
    assert terminal_text(raw) == shown


def test_terminal_text_is_idempotent():
    once = terminal_text("\x1b]8;;http://x\x1b\\link")
    assert terminal_text(once) == once


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_spreadsheet_text_defuses_formula_starts(lead):
    assert spreadsheet_text(f"{lead}1+1").startswith("'")
    assert spreadsheet_text(f"x{lead}1") == terminal_text(f"x{lead}1")  # only a leading one counts


def test_spreadsheet_text_also_makes_the_cell_terminal_safe():
    assert spreadsheet_text("=HYPERLINK(\x1b)") == "'=HYPERLINK(\\x1b)"


def test_json_safe_turns_non_finite_numbers_into_null_and_numpy_into_python():
    import numpy as np

    doc = json_safe({"a": float("nan"), "b": float("inf"), "c": np.float64(0.5), "d": np.int64(3), 1: (1, 2)})
    assert doc == {"a": None, "b": None, "c": 0.5, "d": 3, "1": [1, 2]}
    assert isinstance(doc["c"], float) and type(doc["d"]) is int  # np.float64 is a float already
    assert json.dumps(doc, allow_nan=False) == '{"a": null, "b": null, "c": 0.5, "d": 3, "1": [1, 2]}'


def test_dumps_json_is_strict_and_escapes_what_a_terminal_would_obey():
    text = dumps_json({"name": "x\u202ey\x9b", "v": math.inf, "ok": "字节"}, indent=None)
    assert text == '{"name": "x\\u202ey\\u009b", "v": null, "ok": "字节"}'
    assert json.loads(text)["name"] == "x\u202ey\x9b"  # the same characters to a parser


# ---- indented_json: the same bytes as the standard library's indented encoder


def _json_tree():
    from hypothesis import strategies as st

    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**30), max_value=10**30)
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.text(max_size=8)
        | st.sampled_from(["\u2028", "\x7f", "\ud800", "é", "日本", '"', "\\", "\x00"])
    )
    keys = st.text(max_size=5) | st.integers(-3, 3) | st.none() | st.booleans()
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.lists(inner, max_size=3).map(tuple)
            | st.dictionaries(keys, inner, max_size=4)
        ),
        max_leaves=25,
    )


def test_indented_json_is_the_standard_encoders_text():
    import json

    from hypothesis import given, settings

    from aistruct.sanitize import indented_json, json_safe

    @settings(max_examples=400, deadline=None)
    @given(_json_tree())
    def check(doc):
        for indent in (2, 0, 4):
            expected = json.dumps(json_safe(doc), ensure_ascii=False, allow_nan=False, indent=indent)
            assert indented_json(doc, indent) == expected

    check()


def test_indented_json_numpy_scalars_and_colliding_keys():
    import json

    import numpy as np

    from aistruct.sanitize import indented_json, json_safe

    doc = {
        "a": np.float64(0.1),
        "b": np.int64(7),
        "c": np.bool_(True),
        "d": [np.float32(1.5), np.nan, float("inf"), -0.0, 1e300, 5e-324],
        1: "one",
        "1": "string one",  # json_safe names both "1": the later value, at the first key's place
        "e": {},
        "f": [],
        "g": (1, [2, {"h": None}]),
    }
    assert indented_json(doc) == json.dumps(json_safe(doc), ensure_ascii=False, allow_nan=False, indent=2)
