"""Safe arithmetic expressions over shape symbols.

Tasks state FLOP and byte counts, and candidates state launch geometry, as
expressions like ``2*M*N*K`` or ``cdiv(n, 256) * 256``. They are parsed with
``ast`` and evaluated over a whitelist, never with ``eval``.
"""

from __future__ import annotations

import ast
import math
import operator
from typing import Mapping

_BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
#: comparisons (``K % 8 == 0``) evaluate to 1 or 0, for conditions such as a launch's ``when:``
_CMPOPS = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
}


def _cdiv(a: int, b: int) -> int:
    return -(-int(a) // int(b))


FUNCTIONS = {
    "min": min, "max": max, "cdiv": _cdiv, "ceil_div": _cdiv,
    "round_up": lambda a, b: _cdiv(a, b) * int(b),
    "log2": math.log2, "ceil": math.ceil, "floor": math.floor, "sqrt": math.sqrt,
    "int": int, "abs": abs,
}


class ExprError(ValueError):
    """An expression that cannot be parsed or evaluated; the message says why."""


def evaluate(expr: str | int | float, env: Mapping[str, float | int]) -> float | int:
    """Evaluate ``expr`` with names taken from ``env``; raises ExprError naming the problem."""
    if isinstance(expr, (int, float)):
        return expr
    try:
        tree = ast.parse(str(expr).strip(), mode="eval")
    except SyntaxError as e:
        raise ExprError(f"cannot parse expression {expr!r}: {e.msg}") from None
    return _eval(tree.body, env, str(expr))


def _eval(node: ast.AST, env: Mapping[str, float | int], src: str) -> float | int:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise ExprError(f"expression {src!r} uses unknown name {node.id!r}; known: {sorted(env)}")
        return env[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = _eval(node.left, env, src), _eval(node.right, env, src)
        try:
            return _BINOPS[type(node.op)](a, b)
        except ZeroDivisionError:
            raise ExprError(f"division by zero in {src!r}") from None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _eval(node.operand, env, src)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return int(not _eval(node.operand, env, src))
    if isinstance(node, ast.Compare) and all(type(op) in _CMPOPS for op in node.ops):
        left = _eval(node.left, env, src)
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, env, src)
            if not _CMPOPS[type(op)](left, right):
                return 0
            left = right
        return 1
    if isinstance(node, ast.BoolOp) and isinstance(node.op, (ast.And, ast.Or)):
        vals = (_eval(v, env, src) for v in node.values)
        return int(all(vals) if isinstance(node.op, ast.And) else any(vals))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and not node.keywords:
        return FUNCTIONS[node.func.id](*(_eval(a, env, src) for a in node.args))
    raise ExprError(f"unsupported syntax in expression {src!r}: {ast.dump(node)[:60]}")


def names(expr: str) -> set[str]:
    """Free names of an expression (for validating it against a signature)."""
    try:
        tree = ast.parse(str(expr), mode="eval")
    except SyntaxError as e:
        raise ExprError(f"cannot parse expression {expr!r}: {e.msg}") from None
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS}
