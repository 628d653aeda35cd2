"""Agg canvases that share one renderer per figure size and resolution within a process.

Matplotlib measures every piece of text it draws (`Text._get_layout`) and caches the measurements per
renderer; a new canvas per figure made a new renderer, so the same labels, legends and map keys were
measured again for each of a chapter's figures. Sharing the renderer (it is cleared before each draw) keeps
those measurements: a numbered Stadtteil map drew in about three quarters of the time, with the same pixels
(tests/test_figures.py compares the PNG bytes). A few sizes occur (maps, charts, widened maps), so a few
renderers are kept, the least recently used dropped.

Not for threads: a kernel draws one figure at a time, and so does every caller here.
"""

from __future__ import annotations

from collections import OrderedDict

from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure

#: Renderers kept (one per figure size and resolution; a map's is about 5 MB).
KEPT = 6

_renderers: OrderedDict[tuple[int, int, float], RendererAgg] = OrderedDict()


class SharedCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer is shared with every other figure of its size and resolution."""

    def get_renderer(self) -> RendererAgg:
        # as FigureCanvasAgg.get_renderer: whole pixels (a figure 3.1 inches high at 150 dpi is 464.99999999999994
        # points of bbox, but its image 465 rows)
        w, h = self.get_width_height(physical=True)
        key = (w, h, self.figure.dpi)
        renderer = _renderers.get(key)
        if renderer is None:
            renderer = _renderers[key] = RendererAgg(w, h, self.figure.dpi)
            while len(_renderers) > KEPT:
                _renderers.popitem(last=False)
        else:
            _renderers.move_to_end(key)
        self.renderer, self._lastKey = renderer, key
        return renderer


def canvas(fig: Figure) -> FigureCanvasAgg:
    """The figure's Agg canvas (a shared one attached if it has none, as a bare Figure has not)."""
    return fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else SharedCanvas(fig)
