"""Jinja's sandbox with bounded values: a template cannot make a string or list so large
that it exhausts the machine.

Jinja's ``SandboxedEnvironment`` stops every route to Python internals and bounds
``range``, but nothing else: a theme template's ``{{ 'A' * 10**10 }}`` took over 4 GB.
Here each operation that can make a value much larger than its operands is measured
before it runs — ``*`` and ``**``, ``+`` and ``~``, ``%`` and ``format`` widths, the
``center``/``ljust``/``rjust``/``zfill``/``expandtabs``/``replace``/``join`` string methods,
the ``center``, ``indent``, ``join``, ``replace``, ``format``, ``batch``, ``slice``, ``sum``
and ``wordwrap`` filters, and ``lipsum`` — and refused (a ``SecurityError``, which the
renderer reports at the template's line) when the result would pass ``MAX_TEMPLATE_VALUE``
characters or items. Values are measured as they would be printed: a list holding the same
long string a thousand times counts a thousand times. Loops are not bounded (``range`` is).
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from jinja2.utils import generate_lorem_ipsum

MAX_TEMPLATE_VALUE = 10_000_000
"""Characters (or items) in any one value a template computes: far above a page's needs
(a case file is at most 1 MB), far below what exhausts memory."""
MAX_INT_BITS = 100_000
"""Largest integer a template may compute (about 30,000 digits)."""


class TemplateBudgetError(SecurityError):
    """A template asked for a value too large to make."""


def _refuse(what: str, size: float) -> TemplateBudgetError:
    shown = f"{size:,.0f}" if size < 1e18 else f"about 10^{math.log10(size):,.0f}"
    return TemplateBudgetError(
        f"{what} would make a value of {shown} characters or items, more than the "
        f"{MAX_TEMPLATE_VALUE:,} a template may make in one value; make it smaller"
    )


def _too_many_bits(what: str, bits: float) -> TemplateBudgetError:
    return TemplateBudgetError(
        f"{what} would make an integer of about {bits:,.0f} bits, more than the "
        f"{MAX_INT_BITS:,} a template may make; make it smaller"
    )


def weight(value: Any, cap: int = MAX_TEMPLATE_VALUE) -> int:
    """Characters and items of a value as printed, counting a value held twice twice; the
    walk stops once past ``cap`` (so measuring costs at most ``cap`` steps)."""
    total, stack = 0, [value]
    while stack and total <= cap:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, list | tuple | set | frozenset):
            total += len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            total += 1
    return total


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_PRINTF = re.compile(r"%[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_printf(template: str, arguments: Iterable[Any], what: str) -> None:
    """``'%10000000000s' % x`` and ``'%*s' % (10**10, x)``: widths from the string or args."""
    starred = False
    for match in _PRINTF.finditer(template):
        for width in match.groups():
            if width == "*":
                starred = True
            elif width and int(width) > MAX_TEMPLATE_VALUE:
                raise _refuse(what, int(width))
    if starred:
        for argument in arguments:
            if _is_int(argument) and argument > MAX_TEMPLATE_VALUE:
                raise _refuse(what, argument)


def _check_format(template: str, arguments: Iterable[Any], what: str) -> None:
    """``'{:>10000000000}'.format(x)`` and ``'{:>{}}'.format(x, 10**10)``."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # str.format raises the same error itself
    nested = False
    for _literal, _name, spec, _conversion in fields:
        if not spec:
            continue
        nested = nested or "{" in spec
        for digits in re.findall(r"\d+", spec):
            if len(digits) > 7 and int(digits) > MAX_TEMPLATE_VALUE:
                raise _refuse(what, int(digits))
    if nested:
        for argument in arguments:
            if _is_int(argument) and argument > MAX_TEMPLATE_VALUE:
                raise _refuse(what, argument)


def _check_replace(text: str, old: Any, new: Any, what: str) -> None:
    old, new = str(old), str(new)
    if len(new) <= len(old):
        return
    times = len(text) + 1 if not old else text.count(old)
    size = len(text) + times * (len(new) - len(old))
    if size > MAX_TEMPLATE_VALUE:
        raise _refuse(what, size)


def _check_join(separator: Any, items: list[Any], what: str) -> None:
    size = len(str(separator)) * max(0, len(items) - 1)
    size += sum(weight(item) for item in items[: MAX_TEMPLATE_VALUE + 1])
    if size > MAX_TEMPLATE_VALUE:
        raise _refuse(what, size)


def _check_width(width: Any, what: str) -> None:
    if _is_int(width) and width > MAX_TEMPLATE_VALUE:
        raise _refuse(what, width)


def _bounded_filter(name: str, function: Callable) -> Callable:
    """A filter whose size arguments are checked before it runs."""

    @wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        values = list(args)
        # filters that take the environment or context get it first
        while values and not _is_value(values[0]):
            values.pop(0)
        value, rest = (values[0] if values else None), values[1:]
        what = f"the {name} filter"
        if name == "center":
            _check_width(rest[0] if rest else kwargs.get("width"), what)
        elif name == "indent":
            width = rest[0] if rest else kwargs.get("width", 4)
            width = len(width) if isinstance(width, str) else width
            if _is_int(width):
                size = len(str(value)) + (str(value).count("\n") + 1) * width
                if size > MAX_TEMPLATE_VALUE:
                    raise _refuse(what, size)
        elif name == "replace":
            old = rest[0] if rest else kwargs.get("old", "")
            new = rest[1] if len(rest) > 1 else kwargs.get("new", "")
            _check_replace(str(value), old, new, what)
        elif name == "format":
            _check_printf(str(value), [*rest, *kwargs.values()], what)
        elif name in ("batch", "slice"):
            _check_width(rest[0] if rest else next(iter(kwargs.values()), None), what)
        elif name == "wordwrap":
            wrap = kwargs.get("wrapstring") or (rest[2] if len(rest) > 2 else None)
            if wrap and len(str(value)) * len(str(wrap)) > MAX_TEMPLATE_VALUE:
                raise _refuse(what, len(str(value)) * len(str(wrap)))
        elif name in ("join", "sum"):
            if not isinstance(value, str | dict):
                value = list(value) if value is not None else []
                args = tuple(value if a is values[0] else a for a in args)
            if isinstance(value, list) and (
                name == "join" or any(isinstance(v, str | list | tuple) for v in value[:1])
            ):
                separator = (rest[0] if rest else kwargs.get("d", "")) if name == "join" else ""
                _check_join(separator, value, what)
        result = function(*args, **kwargs)
        return result

    return bounded


def _is_value(argument: Any) -> bool:
    """Not the environment, context or eval context a filter may be passed first."""
    from jinja2.environment import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    return not isinstance(argument, Environment | Context | EvalContext)


BOUNDED_FILTERS = ("center", "indent", "replace", "format", "batch", "slice", "wordwrap", "join", "sum")  # fmt: skip


class _BoundedCodeGenerator(CodeGenerator):
    """Sends ``a ~ b`` through the environment, which measures the result."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802 (Jinja's name)
        self.write("environment.bounded_concat(")
        super().visit_Concat(node, frame)
        self.write(")")


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox, with every value a template makes bounded by ``MAX_TEMPLATE_VALUE``."""

    intercepted_binops = frozenset(["*", "**", "+", "%"])
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in BOUNDED_FILTERS:
            self.filters[name] = _bounded_filter(name, self.filters[name])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        what = f"'{operator}'"
        if operator == "*":
            if _is_int(left) and _is_int(right):
                if left.bit_length() + right.bit_length() > MAX_INT_BITS:
                    raise _too_many_bits(what, left.bit_length() + right.bit_length())
            else:
                times, sequence = (left, right) if _is_int(left) else (right, left)
                if _is_int(times) and isinstance(sequence, str | list | tuple):
                    size = weight(sequence) * max(times, 0)
                    if size > MAX_TEMPLATE_VALUE:
                        raise _refuse(f"{what} (repeating a text or list {times:,} times)", size)
        elif operator == "**":
            if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
                bits = right * math.log2(abs(left))
                if bits > MAX_INT_BITS:
                    raise _too_many_bits(what, bits)
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                size = weight(left) + weight(right)
                if size > MAX_TEMPLATE_VALUE:
                    raise _refuse(what, size)
        elif operator == "%" and isinstance(left, str):
            arguments = right if isinstance(right, tuple) else (right,)
            _check_printf(left, arguments, what)
        return super().call_binop(context, operator, left, right)

    def bounded_concat(self, value: Any) -> Any:
        if isinstance(value, str) and len(value) > MAX_TEMPLATE_VALUE:
            raise _refuse("'~'", len(value))
        return value

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template = value.__self__

        @wraps(wrapped)
        def bounded(*args: Any, **kwargs: Any) -> str:
            arguments = [*args, *kwargs.values()]
            if args and isinstance(args[0], dict):  # format_map
                arguments += list(args[0].values())
            _check_format(template, arguments, f"{value.__name__}()")
            return wrapped(*args, **kwargs)

        return bounded

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        what = f"{name}()"
        if isinstance(owner, str):
            if name in ("center", "ljust", "rjust", "zfill"):
                _check_width(args[0] if args else kwargs.get("width"), what)
            elif name == "expandtabs":
                size = args[0] if args else kwargs.get("tabsize", 8)
                if _is_int(size) and len(owner) * size > MAX_TEMPLATE_VALUE:
                    raise _refuse(what, len(owner) * size)
            elif name == "replace" and len(args) >= 2:
                _check_replace(owner, args[0], args[1], what)
            elif name == "join" and args:
                items = list(args[0])
                _check_join(owner, items, what)
                args = (items, *args[1:])
        elif __obj is generate_lorem_ipsum:
            paragraphs = args[0] if args else kwargs.get("n", 5)
            words = args[3] if len(args) > 3 else kwargs.get("max", 100)
            if (
                _is_int(paragraphs)
                and _is_int(words)
                and paragraphs * words * 8 > MAX_TEMPLATE_VALUE
            ):
                raise _refuse("lipsum()", paragraphs * words * 8)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str) and len(result) > MAX_TEMPLATE_VALUE:
            raise _refuse(what, len(result))
        return result


def oversized_constants(env: BoundedSandbox, tree: nodes.Template) -> list[tuple[int, str]]:
    """(line, reason) of each expression made of constants alone that the sandbox would
    refuse at render (``{{ 'A' * 10**10 }}``): ``theme check`` says so before any build."""
    found: dict[tuple[int, str], None] = {}
    for node in tree.find_all((nodes.BinExpr, nodes.Filter)):
        try:
            _static_value(env, node)
        except TemplateBudgetError as exc:
            found[(node.lineno, str(exc))] = None
        except Exception:  # not constant, or an error the render reports itself
            continue
    return list(found)


def _static_value(env: BoundedSandbox, node: nodes.Node) -> Any:
    """The value of an expression of constants, computed under the sandbox's bounds."""
    if isinstance(node, nodes.Const):
        return node.value
    if isinstance(node, nodes.List | nodes.Tuple):
        return [_static_value(env, item) for item in node.items]
    if isinstance(node, nodes.BinExpr):
        left, right = _static_value(env, node.left), _static_value(env, node.right)
        return env.call_binop(None, node.operator, left, right)
    if isinstance(node, nodes.Filter) and node.node is not None and node.name in env.filters:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise nodes.Impossible()
        function = env.filters[node.name]
        if getattr(function, "jinja_pass_arg", None) is not None:
            raise nodes.Impossible()
        arguments = [_static_value(env, argument) for argument in node.args]
        keywords = {pair.key: _static_value(env, pair.value) for pair in node.kwargs}
        return function(_static_value(env, node.node), *arguments, **keywords)
    raise nodes.Impossible()
