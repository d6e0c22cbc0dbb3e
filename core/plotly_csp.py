"""Plotly under a Content-Security-Policy without 'unsafe-inline' for styles.

plotly.js adds two kinds of ``<style>`` element at run time, both refused by ``style-src
'self'``:

* its global rules (mode bar, hover labels, notifier), unless the page already has an element
  ``#plotly.js-style-global`` of class ``no-inline-styles``: then it leaves the styling to the
  page. The portal serves those rules as ``static/css/plotly.css``, extracted from the installed
  bundle by :func:`plotly_css` (``python -m core.plotly_csp > static/css/plotly.css``
  after an upgrade of plotly; a test fails while the file and the bundle differ);
* the MapLibre stylesheet of its map traces, unless an element with the id
  :data:`MAPLIBRE_STYLE_ID` exists. The portal draws no maps, so ``templates/_plotly.html``
  puts an empty element with that id in the page.

Plotly's other styling goes through the CSSOM (``element.style``), which CSP does not govern.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import plotly

PLOTLY_BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
MAPLIBRE_STYLE_ID = "9f215cf04c5486422605d13261cb87401f4e7763b6296af81e98efbc0130da53"
CSS_PATH = Path(__file__).resolve().parent.parent / "static" / "css" / "plotly.css"

_STRING = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_RULES = re.compile(r'=\{("X,X div":' + rf"(?:{_STRING}|[^{{}}'\"])*)\}};for\(")
_PAIR = re.compile(rf"({_STRING}):({_STRING})")


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


def plotly_css(bundle: str) -> str:
    """The global style rules that plotly.js would insert, as a stylesheet."""
    match = _RULES.search(bundle)
    if match is None:
        raise ValueError("plotly.js's global style rules were not found in the bundle")
    lines = ["/* plotly.js global styles, extracted by core/plotly_csp.py. */"]
    for key, value in _PAIR.findall(match.group(1)):
        selector = re.sub(r"^,", " ,", _unquote(key))
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        lines.append(f"{selector} {{{_unquote(value)}}}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(plotly_css(PLOTLY_BUNDLE.read_text(encoding="utf-8")))
