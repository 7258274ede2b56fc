r"""Charts as Vega-Lite JSON, SVG and PNG, rendered offline by ``vl-convert``.

``vl-convert`` embeds Vega, Vega-Lite and a JavaScript engine: rendering
needs neither a browser nor the network. The dashboard serves the same
libraries to the page from :func:`javascript_bundle`.

Examples
--------
>>> import altair as alt, pandas as pd
>>> chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_line().encode(x="x:Q", y="y:Q")
>>> svg(chart).startswith("<svg")
True
>>> png(chart)[:8] == b"\x89PNG\r\n\x1a\n"
True
"""

from __future__ import annotations

import functools
from typing import Any

import altair as alt
import vl_convert

#: The Vega-Lite version the specifications are written for (Altair's), as vl-convert names it.
VEGA_LITE_VERSION = "v" + "_".join(alt.VEGALITE_VERSION.split(".")[:2])


def spec(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """The Vega-Lite specification of a chart, data included, as a JSON-ready mapping.

    Parameters
    ----------
    chart : altair chart or dict
        A chart of :mod:`frontiersim.charts` (or its specification, returned as it is).

    Returns
    -------
    dict
    """
    if isinstance(chart, dict):
        return chart
    result: dict[str, Any] = chart.to_dict(validate=False)
    return result


def svg(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """The chart as a standalone SVG document.

    Parameters
    ----------
    chart : altair chart or dict

    Returns
    -------
    str
    """
    result: str = vl_convert.vegalite_to_svg(spec(chart), vl_version=VEGA_LITE_VERSION)
    return result


def png(chart: alt.TopLevelMixin | dict[str, Any], *, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes (``scale`` times its size in pixels).

    Parameters
    ----------
    chart : altair chart or dict
    scale : float, default 2.0

    Returns
    -------
    bytes
    """
    result: bytes = vl_convert.vegalite_to_png(spec(chart), vl_version=VEGA_LITE_VERSION, scale=scale)
    return result


@functools.cache
def javascript_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed in one script that needs nothing from the network.

    It defines ``vega``, ``vegaLite`` and ``vegaEmbed`` on ``window``.
    Built once per process (it is about 0.9 MB).
    """
    bundle: str = vl_convert.javascript_bundle(None, vl_version=VEGA_LITE_VERSION)  # type: ignore[arg-type]  # None: the default snippet
    return bundle
