"""Core errors name parameters as data; the CLI shows them as its options (issue 14, item 5)."""

from __future__ import annotations

from aistruct.cli import option_name
from aistruct.errors import InputError, UsageError, param, params_in


def test_a_parameter_reads_as_the_keyword_in_the_library_and_the_option_on_the_command_line():
    err = UsageError(f"{param('max_bytes')}: must be at least 1; see {param('input_format')}")
    assert str(err) == "max_bytes: must be at least 1; see input_format"
    assert err.render(option_name) == "--max-bytes: must be at least 1; see --input-format"
    assert params_in(err.message) == ["max_bytes", "input_format"]


def test_user_data_that_looks_like_a_template_is_left_alone():
    err = InputError("m.csv: column '{value}' holds \\ue000 and %s")
    assert str(err) == "m.csv: column '{value}' holds \\ue000 and %s"
    assert err.render(option_name) == str(err)


def test_messages_stay_on_one_line():
    assert str(UsageError("a\nb")) == "a\\nb"  # one line, the line break shown escaped (issue 21, item 8)


def test_option_names_come_from_the_commands():
    assert option_name("value") == "--value"
    assert option_name("entity") == "--entity"
    assert option_name("max_bytes") == "--max-bytes"
    assert option_name("no_such_option") == "--no-such-option"
