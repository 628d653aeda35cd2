"""The interactive figures in JupyterLab, offline: each embedded spec as JupyterLab's own Vega renderer draws it.

The report draws its interactive maps and the linked view with the Vega it carries once per page, on the
GeoJSON it carries once per page (helpers.publish.interactive, helpers.publish.linked). A notebook in
JupyterLab has neither, and Altair's default renderer would load Vega from a CDN. JupyterLab 4 ships a
renderer of its own for the mimetype `application/vnd.vegalite.v5+json` (@jupyterlab/vega5-extension, with
Vega-Lite 5.6 inside, served by the JupyterLab server: no network). So a result offers each spec it embeds as
an `InteractiveView`, whose `_repr_mimebundle_` gives JupyterLab that mimetype: the same spec with the areas
as inline data (one GeoJSON text, parsed by Vega), a plain text (the spec's description) for frontends
without the renderer, and options for the renderer (SVG, German number format, no action menu).

The specs are written for Altair's Vega-Lite (6.x); what they use (named datasets, lookup and calculate
transforms, geoshape with the identity projection, parameters bound to a range or select, tooltips,
descriptions) is the same in Vega-Lite 5.6, and they carry no `$schema`, so JupyterLab's renderer draws them
as they are (tests/test_lab_render.py draws one in JupyterLab).

Not text/html as the fallback: JupyterLab prefers text/html (rank 50) to its Vega renderer (rank 57), so an
HTML fallback in the same bundle would be shown instead of the chart. The output is marked in its metadata
(LAB_ONLY); the stitched report leaves such outputs out (helpers.publish.stitch), so report.html neither
grows nor carries numbers the disclosure checker does not read; the manifest reads only text/html,
text/markdown and printed text of a chapter.

    >>> view = InteractiveView({"description": "Karte", "mark": "geoshape"}, "stadtteil")
    >>> data, meta = view._repr_mimebundle_()
    >>> sorted(data), is_lab_only({"metadata": meta})
    (['application/vnd.vegalite.v5+json', 'text/plain'], True)
"""

from __future__ import annotations

import copy
import html
import json
import re
from dataclasses import dataclass, field

from helpers.disclosure import embedded
from helpers.figures import interactive

#: JupyterLab's Vega-Lite renderer (vega5-extension) draws this mimetype; it renders specs of Vega-Lite 3 to 5.
VEGALITE_MIME = "application/vnd.vegalite.v5+json"
#: The output metadata that marks an output as JupyterLab's only: the stitched report leaves it out.
OWNER = "integrationsmonitoring"
LAB_ONLY = {OWNER: {"nur_jupyterlab": True}}
#: vega-embed's options, as the report's page script passes them: SVG (with its ARIA labels), German numbers.
EMBED_OPTIONS = {"actions": False, "renderer": "svg",
                 "formatLocale": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0€"]}}
#: Widths in JupyterLab, where "container" (the report's width) would be the few pixels of a not yet laid-out
#: output: a map alone, and each view of the linked scatter and map.
WIDTH, CONCAT_WIDTH = 560, 340
#: The data attribute of the linked view's element with its series (key -> German label).
_SERIES = re.compile(r'data-reihen="([^"]*)"')


@dataclass
class InteractiveView:
    """One interactive figure of a result: its spec as the report embeds it (without the areas), the level whose
    areas it draws, and for the linked view its series (key -> label, the page's lists)."""

    spec: dict
    level: str
    series: dict[str, str] = field(default_factory=dict)

    def lab_spec(self) -> dict:
        """The spec JupyterLab draws: the areas inline, as one JSON text (a notebook stores the spec indented,
        which would make each coordinate a line), no "change since" view (the page's select chooses it),
        no link to the area profiles (they lie beside the report), the linked view's series as select lists,
        fixed widths."""
        spec = copy.deepcopy(self.spec)
        spec.pop("usermeta", None)
        areas = {"values": interactive.area_geojson(self.level or None), "format": {"type": "json", "property": "features"}}
        for transform in spec.get("transform", []):
            if transform.get("lookup") and transform["from"].get("data") == {"name": interactive.AREAS}:
                transform["from"]["data"] = areas
        spec.get("encoding", {}).pop("href", None)
        spec["transform"] = [t for t in spec.get("transform", []) if t.get("as") != "profil"]
        if self.series:
            spec["params"] = [_series_param(p, self.series) for p in spec.get("params", [])]
        if spec.get("width") == "container":
            spec["width"] = WIDTH
        for view in spec.get("hconcat", []):
            if view.get("width") == "container":
                view["width"] = CONCAT_WIDTH
        return spec

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        """JupyterLab's Vega-Lite mimetype and a plain text; metadata: the renderer's options and LAB_ONLY."""
        text = f"Interaktive Abbildung: {self.spec.get('description', '')}".strip()
        return {VEGALITE_MIME: self.lab_spec(), "text/plain": text}, {VEGALITE_MIME: {"embed_options": EMBED_OPTIONS},
                                                                      **LAB_ONLY}


def _series_param(param: dict, series: dict[str, str]) -> dict:
    """The linked view's parameters in JupyterLab: the chosen series as labelled selects, their names from them."""
    keys, labels = list(series), list(series.values())
    name = param.get("name")
    if name in ("xwahl", "ywahl"):
        axis = "x-Achse " if name == "xwahl" else "y-Achse "
        return {**param, "bind": {"input": "select", "options": keys, "labels": labels, "name": axis}}
    if name in ("xname", "yname"):
        chosen = "xwahl" if name == "xname" else "ywahl"
        return {"name": name, "expr": f"{json.dumps(series, ensure_ascii=False)}[{chosen}]"}
    return param


def views(fragment: str) -> dict[str, InteractiveView]:
    """The interactive figures an HTML fragment embeds (helpers.figures.interactive.spec_html,
    helpers.figures.linked.view_html), by the id of their spec."""
    found = {}
    labels = [json.loads(html.unescape(m)) for m in _SERIES.findall(fragment)]
    for attrs, text in embedded.blocks(fragment):
        spec = json.loads(text)
        level = attrs.get("data-ebene", "")
        series = labels.pop(0) if labels and "xwahl" in text else {}
        found[attrs.get("id", f"ansicht-{len(found) + 1}")] = InteractiveView(spec, level, series)
    return found


def is_lab_only(output: dict) -> bool:
    """Whether a notebook output is JupyterLab's only (an InteractiveView's), which the report leaves out."""
    meta = output.get("metadata") or {}
    return bool((meta.get(OWNER) or {}).get("nur_jupyterlab"))
