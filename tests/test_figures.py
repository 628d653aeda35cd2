"""Figures and maps: source line, synthetic mark, classes, legend, missing areas, the number key."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from PIL import Image

from helpers.core import areas
from helpers.core.catalogue import Indicator, Term
from helpers.figures import charts, map_key, maps
from helpers.sources.muenster.hierarchy import CITY_CODE, STADTTEILE

IND = Indicator(
    id="t", name="Test", definition="d", handlungsfeld="kontext", numerator=Term("a"), denominator=Term("b"),
    scale=100.0, unit="%", direction="descriptive", level="stadtteil", source="Quelle X", data_owner="o",
    population_base="p", first_year=2005, synthetic=False, breaks=("2011: Bruch",),
)


def _texts(fig) -> str:
    parts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        parts += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend:
            parts += [legend.get_title().get_text()] + [t.get_text() for t in legend.get_texts()]
    for legend in fig.legends:
        parts += [legend.get_title().get_text()] + [t.get_text() for t in legend.get_texts()]
    return "\n".join(parts)


def _series(synthetic: bool) -> pd.DataFrame:
    return pd.DataFrame({"year": range(2005, 2015), "group": "total", "area_code": CITY_CODE,
                         "value": [10.0 + i for i in range(10)], "synthetic": synthetic})


@pytest.mark.parametrize("synthetic", [False, True])
def test_time_series_has_source_and_marks_synthetic_data(synthetic):
    fig = charts.time_series(_series(synthetic), IND, "Titel", 2014)
    text = _texts(fig)
    assert "Quelle: Quelle X" in text
    assert ("Demodaten – synthetisch" in text) is synthetic
    assert "Bruch in der Reihe" in text


def _map_values(missing: int = 0, synthetic: bool = False) -> pd.DataFrame:
    codes = sorted(STADTTEILE)
    values = [float(i) for i in range(len(codes))]
    for i in range(missing):
        values[i] = None
    return pd.DataFrame({"area_code": codes, "value": pd.array(values, dtype="Float64"), "synthetic": synthetic})


def test_map_classes_and_legend_counts():
    fig = maps.choropleth(_map_values(), "Karte", "%", "Quelle Y", k=5)
    text = _texts(fig)
    labels = [line for line in text.splitlines() if "(9)" in line]
    assert len(labels) == 5  # 45 Stadtteile in five quantile classes of nine
    # values 0..44: quantile bounds at the 20th, 40th, ... percentile = 8.8, 17.6, ...
    assert labels[0] == "0,0 – 8,8\u00a0% (9)" and labels[-1] == "35,2 – 44,0\u00a0% (9)"
    assert "Grenzen der Stadtbezirke" in text and "Quelle: Quelle Y" in text
    assert "Demodaten" not in text


def test_map_shows_missing_areas_apart_and_marks_synthetic():
    fig = maps.choropleth(_map_values(missing=3, synthetic=True), "Karte", "%", "Quelle Y")
    text = _texts(fig)
    assert "keine Angabe / geheim (.) (3)" in text
    assert "Demodaten – synthetisch" in text
    counts = sum(int(line.rsplit("(", 1)[1].rstrip(")")) for line in text.splitlines()
                 if "–" in line and line.endswith(")") and "geheim" not in line and "Demodaten" not in line)
    assert counts == 42  # classed areas exclude the three missing ones


def test_user_defined_bins_give_shared_scale():
    classifier = maps.classify(pd.Series([1.0, 5.0, 12.0]), bins=[5, 10, 20])
    assert list(classifier.counts) == [2, 0, 1]


def test_std_mean_classes_name_their_band_and_mean():
    fig = maps.choropleth(_map_values(), "Karte", "%", "Quelle Y", scheme="std_mean")
    text = _texts(fig)
    # values 0..44: mean 22, SD (ddof=1) 13,1; bands at mean ±1 and ±2 SD.
    assert "Standardabweichung vom Mittelwert" in text and "Mittelwert 22,0, SD 13,1" in text
    assert "8,9 – 35,1\u00a0% [−1 bis +1 SD] (27)" in text
    assert "[unter −2 SD] (0)" in text


def test_unknown_scheme_is_refused_in_german():
    with pytest.raises(maps.MapError, match="Unbekanntes Klassifikationsverfahren 'jenks'"):
        maps.classify(pd.Series([1.0, 2.0]), scheme="jenks")


def test_shared_bins_pool_years():
    bins = maps.shared_bins([pd.Series([0.0, 1.0, 2.0]), pd.Series([10.0, 11.0, None])], "equal_interval", k=2)
    assert bins == [5.5, 11.0]


def test_diverging_bins_are_symmetric_round_and_cover_all_changes():
    assert maps.diverging_bins(pd.Series([-1.2, 0.3, 5.4])) == [-4.0, -2.0, 0.0, 2.0, 4.0, 6.0]
    # max |change| 0.05 over three classes per side: raw step 0.0167, next round step 0.02.
    assert maps.diverging_bins(pd.Series([0.05, -0.02])) == pytest.approx([-0.04, -0.02, 0.0, 0.02, 0.04, 0.06])


def test_change_map_counts_areas_per_class_and_hatches_gaps():
    codes = sorted(STADTTEILE)
    before = _map_values(missing=1)
    after = before.assign(value=before["value"] + pd.array([(-1.0) ** i * (i % 5) for i in range(len(codes))], dtype="Float64"))
    fig = maps.change_map(before, after, "Veränderung", "Quelle Y", 2010, 2014)
    text = _texts(fig)
    assert "Veränderung 2010–2014\nin Prozentpunkte" in text
    assert "keine Angabe / geheim (.) (1)" in text
    counts = [int(line.rsplit("(", 1)[1].rstrip(")")) for line in text.splitlines()
              if line.startswith(("≤", "über"))]
    assert sum(counts) == 44 and len(counts) == 6


def test_small_multiples_share_one_legend_and_skip_empty_years():
    frames = [_map_values().assign(year=y, value=lambda d, y=y: d["value"] + (y - 2010)) for y in (2010, 2011)]
    empty = _map_values(missing=45).assign(year=2012)
    fig = maps.small_multiples(pd.concat(frames + [empty]), [2010, 2011, 2012], "Reihe", "%", "Quelle Y", k=4)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["2010", "2011"]
    assert "Klassen für alle Jahre gleich" in _texts(fig)


def test_category_map_legend_order_and_counts():
    cats = pd.Series({"11": "hoch-hoch", "12": "hoch-hoch", "13": "niedrig-niedrig"})
    palette = {"hoch-hoch": "#d7191c", "niedrig-niedrig": "#2c7bb6", "nicht signifikant": "#eeeeee"}
    text = _texts(maps.category_map(cats, palette, "LISA", "Quelle Y", "Cluster"))
    assert text.index("hoch-hoch (2)") < text.index("niedrig-niedrig (1)") < text.index("nicht signifikant (0)")
    assert "keine Angabe / geheim (.) (42)" in text
    with pytest.raises(maps.MapError, match="Kategorien ohne Farbe: sonstig"):
        maps.category_map(pd.Series({"11": "sonstig"}), palette, "LISA", "Quelle Y", "Cluster")


def _key_lines(fig) -> list[str]:
    return [t.get_text() for t in fig.texts if "\u2002" in t.get_text()]


def test_number_key_names_every_stadtteil_by_number_grouped_by_stadtbezirk():
    entries = map_key.number_key("stadtteil")
    assert len(entries) == 45 and entries[0] == map_key.KeyEntry("Mitte", "11", "Aegidii")
    assert map_key.KeyEntry("Nord", "61", "Coerde") in entries
    # areas.csv: Stadtbezirk West holds 51–58, Nord 61–68, Hiltrup 91–98; the numbering follows the
    # Stadtbezirke, so the grouped key reads in ascending numbers
    assert [int(e.code) for e in entries] == sorted(int(c) for c in STADTTEILE)
    assert [e.group for e in entries if e.code in ("47", "51", "68", "98")] == ["Mitte", "West", "Nord", "Hiltrup"]


def test_numbered_maps_carry_their_key_beside_the_legend():
    codes = sorted(STADTTEILE)
    before = _map_values()
    cats = pd.Series({"11": "hoch-hoch"})
    figures = [maps.choropleth(_map_values(), "Karte", "%", "Quelle Y"),
               maps.choropleth(_map_values(), "Karte", "%", "Quelle Y", scheme="std_mean"),
               maps.change_map(before, before.assign(value=before["value"] + 1), "V", "Quelle Y", 2010, 2014),
               maps.category_map(cats, {"hoch-hoch": "#d7191c"}, "LISA", "Quelle Y", "Cluster", synthetic=True)]
    for fig in figures:
        lines = _key_lines(fig)
        assert len(lines) == len(codes) and "61\u2002Coerde" in lines and "98\u2002Amelsbüren" in lines
        assert "Nummern der Stadtteile" in _texts(fig)
        assert tuple(fig.get_size_inches()) == (8.0, 7.2)  # below the legend: the map keeps its size
        renderer = map_key.renderer(fig)
        frame = fig.bbox
        boxes = [t.get_window_extent(renderer) for t in fig.texts if "\u2002" in t.get_text()]
        legend = fig.legends[0].get_window_extent(renderer)
        others = [t.get_window_extent(renderer) for t in fig.texts if "\u2002" not in t.get_text()
                  and not t.get_text().startswith("Nummern")]
        for box in boxes:
            assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            assert not box.overlaps(legend) and not any(box.overlaps(o) for o in others)
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_maps_without_numbers_have_no_key():
    assert _key_lines(maps.choropleth(_map_values(), "Karte", "%", "Quelle Y", labels=None)) == []
    assert _key_lines(maps.choropleth(_map_values(), "Karte", "%", "Quelle Y", labels="name")) == []
    frames = [_map_values().assign(year=y) for y in (2010, 2011)]
    assert _key_lines(maps.small_multiples(pd.concat(frames), [2010, 2011], "Reihe", "%", "Quelle Y")) == []


def test_a_key_too_long_for_the_column_goes_beside_the_figure():
    # the Kommunalwahlbezirke's names are longer ("Kinderhaus-Ost/Sprakel"): one column to the right of the legend
    gdf = areas.boundaries("kommunalwahlbezirk")
    vals = pd.DataFrame({"area_code": gdf["code"], "value": pd.array(range(len(gdf)), dtype="Float64")})
    fig = maps.choropleth(vals, "Karte", "%", "Quelle Y", level="kommunalwahlbezirk")
    assert "16\u2002Coerde" in _key_lines(fig) and len(_key_lines(fig)) == 33
    width, height = fig.get_size_inches()
    assert width > 8 and width / height <= 174 / 120  # the PDF's text area: the map does not shrink in print
    renderer = map_key.renderer(fig)
    assert all(t.get_window_extent(renderer).x1 <= fig.bbox.x1 for t in fig.texts)


def test_a_map_with_more_areas_than_a_key_names_keeps_apart_its_numbers_and_points_to_the_register(tmp_path,
                                                                                                   monkeypatch):
    # Berlin's 138 Bezirksregionen: six-digit numbers that would print over each other in the centre
    from helpers.core import context
    from roots import pointed_at

    with pointed_at(context.REPOSITORY, tmp_path / "outputs", monkeypatch, city="berlin"):
        gdf = areas.boundaries()
        vals = pd.DataFrame({"area_code": gdf["code"], "value": pd.array(range(len(gdf)), dtype="Float64")})
        fig = maps.choropleth(vals, "Karte", "%", "Quelle Y")
    assert len(gdf) == 138 and _key_lines(fig) == []
    assert map_key.REGISTER_NOTE in [t.get_text() for t in fig.texts]
    renderer = map_key.renderer(fig)
    numbers = [t for t in fig.axes[0].texts if t.get_text() in set(gdf["code"])]
    boxes = [t.get_window_extent(renderer) for t in numbers]
    assert 40 <= len(numbers) < 138  # the large areas keep their numbers, the crowded centre's give way
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    largest = gdf.set_index("code").geometry.area.idxmax()
    assert largest in {t.get_text() for t in numbers}


def test_a_map_with_a_key_keeps_all_its_numbers_and_no_register_note():
    fig = maps.choropleth(_map_values(), "Karte", "%", "Quelle Y")
    assert len([t for t in fig.axes[0].texts if t.get_text() in STADTTEILE]) == 45
    assert map_key.REGISTER_NOTE not in [t.get_text() for t in fig.texts]


def _png_through_savefig(fig) -> bytes:
    """charts.png as it was: savefig's RGBA PNG, decoded, quantised, encoded again."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=charts.DPI, metadata={"Software": None})
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(out, format="PNG")
    return out.getvalue()


def test_png_from_the_canvas_is_byte_for_byte_what_savefig_gave():
    import io

    from matplotlib.figure import Figure
    from PIL import Image

    vals = pd.DataFrame({"area_code": ["11", "12", "61"], "value": [10.0, 20.0, 53.1]})
    for make in (lambda: maps.choropleth(vals, "Karte", "%", "Quelle"),
                 lambda: Figure(figsize=(4, 3), dpi=charts.DPI)):
        assert charts.png(make()) == _png_through_savefig(make())
    other = Figure(figsize=(4, 3), dpi=50)  # another resolution: still rendered at the report's
    assert Image.open(io.BytesIO(charts.png(other))).size == (4 * charts.DPI, 3 * charts.DPI)


def test_figures_drawn_on_a_shared_renderer_have_the_pixels_of_a_fresh_one():
    """helpers.figures.canvas keeps one renderer per figure size, so that text measured for one map is not
    measured again for the next; what a figure looks like must not depend on what was drawn before it."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from helpers.figures import canvas

    def numbered(shift: float):
        values = _map_values()
        return maps.choropleth(values.assign(value=values["value"] + shift), "Karte", "%", "Quelle Y")

    fresh = FigureCanvasAgg(numbered(0.0))  # matplotlib's own canvas, a renderer of its own
    fresh.draw()
    canvas._renderers.clear()
    first = charts.png(numbered(0.0))
    others = [charts.png(numbered(shift)) for shift in (1.0, 7.5)]  # the same size: the same renderer, texts measured
    assert len(canvas._renderers) == 1 and first not in others
    assert charts.png(numbered(0.0)) == first
    shared = canvas.SharedCanvas(numbered(0.0))
    shared.draw()
    assert np.array_equal(np.asarray(shared.buffer_rgba()), np.asarray(fresh.buffer_rgba()))


def test_a_figure_whose_height_is_not_whole_in_points_gets_a_renderer_of_its_image_size():
    """A height computed to 3.0999999999999996 inches (the correlation chapter's heatmap of two indicators): at
    150 dpi the figure's box is 464.99999999999994 high, its image 465 rows; the shared renderer must be the
    image's size, as matplotlib's own."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def figure() -> Figure:
        fig = Figure(figsize=(8, 3.0999999999999996), dpi=charts.DPI)
        fig.add_axes((0.1, 0.1, 0.8, 0.8)).plot([0, 1], [1, 0])
        return fig

    assert figure().bbox.size[1] != 465 and FigureCanvasAgg(figure()).get_width_height(physical=True) == (1200, 465)
    plain = FigureCanvasAgg(figure())
    plain.draw()
    reference = io.BytesIO()
    Image.frombuffer("RGBA", plain.get_width_height(physical=True), plain.buffer_rgba(), "raw", "RGBA", 0, 1) \
        .convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE) \
        .save(reference, format="PNG")
    assert charts.png(figure()) == reference.getvalue()
