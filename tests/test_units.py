"""The number formatter: round trips within its precision, never e-notation, rollover at every boundary."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from frontiersim.units import (
    format_number,
    format_quantity,
    money,
    number_text,
    percent,
    power_of_ten,
    short_scale,
    without_e_notation,
)

#: A number in e-notation, as the output scan looks for it (see tests/test_no_e_notation.py).
E_NOTATION = re.compile(r"(?<![\w.-])\d+(\.\d+)?e[+-]?\d+", re.IGNORECASE)

_SCALES = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
_SHOWN = re.compile(
    r"^(?P<sign>-?)\$?(?P<mantissa>[0-9,]+(?:\.[0-9]+)?)(?:×10\^(?P<exponent>-?[0-9]+))?(?P<suffix>[KMBT]?)"
    r"(?P<percent>%?)(?P<unit>.*)$"
)

#: Magnitudes worth testing: from far below a cent to far beyond a trillion dollars.
magnitudes = st.floats(min_value=1e-12, max_value=1e24, allow_nan=False, allow_infinity=False)
signed = st.builds(lambda m, negative: -m if negative else m, magnitudes, st.booleans())


def parse(text: str) -> tuple[float, str]:
    """The number a formatted text stands for, and what follows it (the unit)."""
    match = _SHOWN.match(text)
    assert match, text
    value = float(match["mantissa"].replace(",", ""))
    if match["exponent"] is not None:
        value *= 10.0 ** int(match["exponent"])
    value *= _SCALES[match["suffix"]]
    if match["percent"]:
        value /= 100.0
    return (-value if match["sign"] else value), match["unit"].strip()


def relative_error(shown: float, value: float) -> float:
    return abs(shown - value) / abs(value)


@given(signed)
@example(999.6e9)
@example(999_499.0)
@example(9.996e14)
@example(9.9996e17)
@example(-0.999)
def test_money_round_trips_to_three_significant_digits(usd: float) -> None:
    text = money(usd)
    assert not E_NOTATION.search(text), text
    shown, rest = parse(text)
    assert rest == ""
    if abs(usd) < 1:  # to the cent
        assert abs(shown - usd) <= 0.005 + 1e-12
    else:
        assert relative_error(shown, usd) <= 5e-3 + 1e-12, (usd, text)


@given(signed)
@example(999.96)
@example(9.9996e-5)
@example(1e-4)
@example(9.996e14)
def test_plain_numbers_round_trip_and_never_use_e_notation(value: float) -> None:
    text = format_number(value)
    assert not E_NOTATION.search(text), text
    shown, _ = parse(text)
    assert relative_error(shown, value) <= 5e-3 + 1e-12, (value, text)


@given(signed, st.sampled_from(["USD", "USD/year", "GW", "GW-year", "months", "years", "x/year", "FLOP", "FLOP/s"]))
@example(999.6e9, "USD")
@example(1e26, "FLOP")
def test_quantities_round_trip_with_their_unit(value: float, unit: str) -> None:
    text = format_quantity(value, unit)
    assert not E_NOTATION.search(text), text
    shown, rest = parse(text)
    tolerance = 0.005 if unit.startswith("USD") and abs(value) < 1 else 0.0
    assert abs(shown - value) <= 5e-3 * abs(value) + tolerance + 1e-12, (value, unit, text)
    if unit.startswith("USD"):
        assert text.lstrip("-").startswith("$")
        assert rest == unit[len("USD") :]
    elif unit.startswith("x"):
        assert rest == unit
    else:
        assert rest.split()[-1].rstrip("s") == unit.rstrip("s"), (text, unit)


@given(st.floats(min_value=0, max_value=1))
def test_shares_are_percentages(share: float) -> None:
    text = percent(share)
    assert text.endswith("%")
    assert not E_NOTATION.search(text), text
    shown, _ = parse(text)
    assert abs(shown - share) <= max(5e-3 * share, 1e-12)


@given(st.lists(magnitudes, min_size=2, max_size=2))
def test_formatting_keeps_the_order_of_numbers(pair: list[float]) -> None:
    low, high = sorted(pair)
    for render in (money, format_number, short_scale, lambda v: format_quantity(v, "FLOP")):
        assert parse(render(low))[0] <= parse(render(high))[0], (low, high, render(low), render(high))


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e6, 1e9])
def test_every_boundary_rolls_over_to_the_next_suffix(scale: float) -> None:
    """Just below a power of a thousand, the amount reads one of the next scale, never 1,000 of this one."""
    text = money(999.6 * scale)
    assert parse(text)[0] == 1000 * scale
    assert "1,000" not in text
    assert "e+" not in text
    assert money(999.4 * scale) == f"${short_scale(999.4 * scale)}"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (999.6e9, "USD", "$1T"),
        (1e9, "USD/year", "$1B/year"),
        (5e10, "USD/year", "$50B/year"),
        (-2.5e6, "USD", "-$2.5M"),
        (0.0, "USD", "$0"),
        (1e16, "USD/year", "$10,000T/year"),
        (0.0, "GW", "0 GW"),
        (-1.5, "GW", "-1.5 GW"),
        (1.0, "years", "1 year"),
        (18.0, "months", "18 months"),
        (1e6, "x/year", "1,000,000x/year"),
        (1e26, "FLOP", "1.0×10^26 FLOP"),
        (9.9996e25, "FLOP", "1.0×10^26 FLOP"),
        (4.2e17, "FLOP/(GW month)", "4.2×10^17 FLOP/(GW month)"),
        (3e-9, "1", "3.0×10^-9"),
        (float("nan"), "USD", "n/a"),
        (float("inf"), "x/year", "∞x/year"),
        (float("-inf"), "USD", "-$∞"),
        (0.125, "probability", "12.5%"),
        (1.2e12, "tokens", "1.2T tokens"),
        (0.3, "1", "0.3"),
    ],
)
def test_known_renderings(value: float, unit: str, text: str) -> None:
    assert format_quantity(value, unit) == text


def test_powers_of_ten_roll_over() -> None:
    assert power_of_ten(9.996e19) == "1.0×10^20"
    assert power_of_ten(-9.996e-8) == "-1.0×10^-7"
    assert math.isclose(parse(power_of_ten(1.234e30))[0], 1.23e30)


@given(signed)
@example(1.577e10)
@example(9.999996e14)
@example(123456.0)
def test_number_text_is_short_and_round_trips(value: float) -> None:
    text = number_text(value)
    assert not E_NOTATION.search(text), text
    assert "," not in text  # safe inside a list of parameters
    shown, rest = parse(text)
    assert rest == ""
    assert relative_error(shown, value) <= 5e-6 + 1e-12, (value, text)


@given(signed)
def test_e_notation_in_text_is_rewritten(value: float) -> None:
    text = f"from {value:e} to {value:g} (run 20261202-052554-1e5a0c)"
    rewritten = without_e_notation(text)
    assert not E_NOTATION.search(rewritten), rewritten
    assert rewritten.endswith("(run 20261202-052554-1e5a0c)")
