"""SQL functions whose spelling differs between SQLite and PostgreSQL, compiled per dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement, GenericFunction

from inventory_cli.storage.engine import CASEFOLD


class casefold(GenericFunction[str]):
    """Text folded for case-insensitive matching: all of Unicode on SQLite, ``lower()`` elsewhere."""

    type = String()
    inherit_cache = True


class text_position(GenericFunction[int]):
    """1-based position of the second argument inside the first, 0 when absent (no wildcards)."""

    type = Integer()
    inherit_cache = True


class json_text_elements(GenericFunction[Any]):
    """The elements of a JSON array of strings as rows with one column, ``value``."""

    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(casefold, "sqlite")
def _casefold_sqlite(element: casefold, compiler: Any, **kw: Any) -> str:
    # Registered on every SQLite connection by the engine: SQLite's lower() folds ASCII only.
    return f"{CASEFOLD}({_args(element, compiler, **kw)})"


@compiles(casefold)
def _casefold_default(element: casefold, compiler: Any, **kw: Any) -> str:
    return f"lower({_args(element, compiler, **kw)})"


@compiles(text_position, "sqlite")
def _position_sqlite(element: text_position, compiler: Any, **kw: Any) -> str:
    return f"instr({_args(element, compiler, **kw)})"


@compiles(text_position)
def _position_default(element: text_position, compiler: Any, **kw: Any) -> str:
    return f"strpos({_args(element, compiler, **kw)})"


@compiles(json_text_elements, "sqlite")
def _json_sqlite(element: json_text_elements, compiler: Any, **kw: Any) -> str:
    return f"json_each({_args(element, compiler, **kw)})"


@compiles(json_text_elements)
def _json_default(element: json_text_elements, compiler: Any, **kw: Any) -> str:
    # A part without tags holds JSON null, and PostgreSQL refuses to take elements of a scalar.
    value = _args(element, compiler, **kw)
    return f"json_array_elements_text(CASE WHEN json_typeof({value}) = 'array' THEN {value} END)"
