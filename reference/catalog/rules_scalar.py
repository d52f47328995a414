"""Catalog records for §2, the scalar derivative rules (topic ``scalar``): RULES S-1 … S-8.

The paper's example of each rule comes first (its record is named after the derivative); where the
rule is a family, one or two more members follow, named ``<derivative>_<constant>=<value>``: the power
rule for a negative and a fractional exponent (on their domains), and other constants ``c``.
"""

from __future__ import annotations

from chainrule.analytic import scalar as sc

from ._record import Arg, Rule

_X = (Arg("x", ()),)
_X_NONZERO = (Arg("x", (), "nonzero"),)
_X_POSITIVE = (Arg("x", (), "positive"),)

RULES = [
    # S-1 Constant
    Rule("grad_constant_x", "S-1", "scalar", "§2", sc.constant, sc.grad_constant_x, _X, "x"),
    Rule("grad_constant_x_c=-2.5", "S-1", "scalar", "§2", sc.constant, sc.grad_constant_x, _X, "x", params={"c": -2.5}),
    # S-2 Multiplication by constant
    Rule("grad_times_constant_x", "S-2", "scalar", "§2", sc.times_constant, sc.grad_times_constant_x, _X, "x"),
    Rule("grad_constant_times_square_x", "S-2", "scalar", "§2", sc.constant_times_square,
         sc.grad_constant_times_square_x, _X, "x"),
    Rule("grad_constant_times_square_x_c=-0.5", "S-2", "scalar", "§2", sc.constant_times_square,
         sc.grad_constant_times_square_x, _X, "x", params={"c": -0.5}),
    # S-3 Power rule
    Rule("grad_power_x", "S-3", "scalar", "§2", sc.power, sc.grad_power_x, _X, "x"),
    Rule("grad_power_x_n=-2", "S-3", "scalar", "§2", sc.power, sc.grad_power_x, _X_NONZERO, "x", params={"n": -2}),
    Rule("grad_power_x_n=0.5", "S-3", "scalar", "§2", sc.power, sc.grad_power_x, _X_POSITIVE, "x", params={"n": 0.5}),
    # S-4 / S-5 Sum and difference rules
    Rule("grad_square_plus_multiple_x", "S-4", "scalar", "§2",
         sc.square_plus_multiple, sc.grad_square_plus_multiple_x, _X, "x"),
    Rule("grad_square_minus_multiple_x", "S-5", "scalar", "§2",
         sc.square_minus_multiple, sc.grad_square_minus_multiple_x, _X, "x"),
    # S-6 Product rule
    Rule("grad_square_times_self_x", "S-6", "scalar", "§2", sc.square_times_self, sc.grad_square_times_self_x, _X, "x"),
    # S-7 Chain rule
    Rule("grad_log_of_square_x", "S-7", "scalar", "§2", sc.log_of_square, sc.grad_log_of_square_x, _X_NONZERO, "x"),
    # S-8 Linearity
    Rule("grad_scaled_sum_x", "S-8", "scalar", "§2", sc.scaled_sum, sc.grad_scaled_sum_x, _X, "x"),
]
