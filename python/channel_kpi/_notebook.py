"""Notebook integration without wrapping the caller's tables:

* IPython display formatters: a ``ResultTable``, and a pandas frame or pyarrow table returned
  by this package (recognised by its column metadata), show as the HTML of :func:`to_html`;
  every other frame keeps its own display. Registered on import when IPython is running, or
  with ``%load_ext channel_kpi`` / :func:`register_ipython`.
* ``df.kpi`` on pandas and polars frames: ``df.kpi.plot(...)``, ``df.kpi.to_html()``,
  ``df.kpi.currency`` (registered when the library is first used for a result).

Scalar results (``Decimal``, ``float``, ``date``, ``None``) are left untouched.
"""

from __future__ import annotations

import sys
from typing import Any, Optional

from . import _html, _meta, _plot

_registered: "set[str]" = set()


class KpiAccessor:
    """``df.kpi``: the chart and HTML table of a result frame."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def plot(self, metrics: Any = None, **kw: Any) -> Any:
        """:func:`channel_kpi.plot` of this frame."""
        return _plot.plot(self._obj, metrics, **kw)

    def to_html(self, **kw: Any) -> str:
        """:func:`channel_kpi.to_html` of this frame."""
        return _html.to_html(self._obj, **kw)

    @property
    def currency(self) -> Optional[str]:
        """The ISO code of the money columns (None when unknown or no amount was seen)."""
        d = _meta.describe(self._obj)
        return d.currency if d else None


def register_accessors(kind: str) -> None:
    """Registers ``df.kpi`` for ``kind`` (``pandas`` or ``polars``) once, if imported."""
    if kind in _registered or kind not in sys.modules:
        return
    _registered.add(kind)
    if kind == "pandas":
        import pandas as pd

        pd.api.extensions.register_dataframe_accessor("kpi")(KpiAccessor)
    elif kind == "polars":
        import polars as pl

        pl.api.register_dataframe_namespace("kpi")(KpiAccessor)


def _html_or_else(previous: Any) -> Any:
    """The HTML of a result; for any other object the previously registered formatter or the
    object's own ``_repr_html_`` (an IPython formatter returning None would hide it)."""

    def show(obj: Any) -> Optional[str]:
        if _meta.is_result(obj):
            return _html.to_html(obj)
        if previous is not None:
            return previous(obj)
        own = getattr(obj, "_repr_html_", None)
        return own() if callable(own) else None

    return show


def register_ipython(ip: Any = None) -> bool:
    """Registers the HTML display of results with the running IPython (or ``ip``); returns
    False when there is none."""
    if ip is None:
        ipython = sys.modules.get("IPython")
        ip = ipython.get_ipython() if ipython is not None else None
    if ip is None:
        return False
    from ._native import ResultTable

    html = ip.display_formatter.formatters["text/html"]
    html.for_type(ResultTable, _html.to_html)
    for module, name in (("pandas.core.frame", "DataFrame"), ("pyarrow.lib", "Table")):
        cls = getattr(sys.modules.get(module), name, None)
        previous = html.deferred_printers.get((module, name))
        if cls is not None:
            previous = html.type_printers.get(cls, previous)
        if getattr(previous, "__qualname__", "").startswith("_html_or_else"):
            continue  # registered already
        if cls is not None:
            html.for_type(cls, _html_or_else(previous))
        else:
            html.for_type_by_name(module, name, _html_or_else(previous))
    for kind in ("pandas", "polars"):
        register_accessors(kind)
    return True
