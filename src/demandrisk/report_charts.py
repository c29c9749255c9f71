"""Charts for the run report, as inline SVG text (no files, no network).

matplotlib is used through :class:`matplotlib.figure.Figure` directly, never
``pyplot``: no global state, no GUI backend, nothing to close. The SVG is made
reproducible (fixed hash salt, no date) so a report re-rendered from the same
run differs only where the data differ.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BAND_COLOURS", "band_chart", "coverage_chart", "mean_risk_chart"]

BAND_COLOURS = {
    "low": "#4caf50",
    "medium": "#ffc107",
    "high": "#ff7043",
    "severe": "#c62828",
    "unscored": "#9e9e9e",
}


def _figure(width: float, height: float) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def _svg(fig: Any) -> str:
    import matplotlib

    buffer = io.StringIO()
    # Fixed ids, text kept as text: the same run renders the same SVG.
    with matplotlib.rc_context(
        {"svg.hashsalt": "demandrisk", "svg.fonttype": "none", "font.size": 9}
    ):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    # Drop the XML prolog and DOCTYPE: the SVG is embedded in HTML.
    text = re.sub(r"^.*?(<svg\b)", r"\1", text, count=1, flags=re.S)
    return re.sub(r"<metadata>.*?</metadata>", "", text, count=1, flags=re.S)


def band_chart(counts: pd.Series) -> str:
    """Bar chart of suppliers per band (index: band names)."""
    fig, ax = _figure(5.0, 2.6)
    bands = [str(b) for b in counts.index]
    bars = ax.bar(
        bands,
        counts.to_numpy(),
        color=[BAND_COLOURS.get(b, "#9e9e9e") for b in bands],
    )
    ax.bar_label(bars, padding=2)
    ax.set_ylabel("suppliers")
    ax.set_title("Suppliers per risk band")
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(y=0.15)
    return _svg(fig)


def mean_risk_chart(table: pd.DataFrame, label: str, title: str) -> str:
    """Horizontal bars of mean risk per group, coloured by the share high+.

    ``table`` has columns ``label``, ``mean_score`` and ``share_high`` (0-1).
    """
    from matplotlib import colormaps

    shown = table.head(15).iloc[::-1]
    fig, ax = _figure(6.0, 0.3 * len(shown) + 1.0)
    colours = colormaps["OrRd"](0.25 + 0.75 * shown["share_high"].to_numpy(float))
    ax.barh(
        shown[label].astype(str), shown["mean_score"].to_numpy(float), color=colours
    )
    ax.set_xlim(0, 100)
    ax.set_xlabel("mean risk score (colour: share high or severe)")
    ax.set_title(title)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def coverage_chart(coverage: pd.Series) -> str:
    """Histogram of coverage (share of the weight on the supplier's own data)."""
    values = coverage.dropna().to_numpy(float)
    fig, ax = _figure(5.0, 2.4)
    ax.hist(values, bins=np.linspace(0.0, 1.0, 11), color="#5c6bc0", edgecolor="white")
    ax.set_xlabel("coverage: share of the weight resting on the supplier's own data")
    ax.set_ylabel("suppliers")
    ax.set_xlim(0, 1)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)
