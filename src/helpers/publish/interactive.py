"""The interactive maps' page parts, once per report: Vega's JavaScript, the areas' GeoJSON, the embedding.

Each interactive map in a chapter is an empty element and its spec (helpers.figures.interactive); what
draws them is added here once, among the screen's reading aids before <main> (which the PDF's parts leave
out), and only if the page has a map: the JavaScript of Vega, Vega-Lite and Vega-Embed as
vl-convert-python ships it (inlined, nothing is loaded from the network), the base level's boundaries as
GeoJSON (one <script type="application/json">, handed to every map), and a small script that draws a map
when it comes near the screen (no long task while the page loads), hides the static map it replaces on
screen (print and a browser without JavaScript keep the static map), and writes under it an equivalent
table of the year shown, with links to the areas' profiles, that follows the year control.

The bundle takes vl-convert some 10–30 s to make; it is kept beside the installed packages, by version.
"""

from __future__ import annotations

import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from helpers.core import fileio, levels
from helpers.figures import interactive

#: Marks the page parts, so that a page is not given them twice.
MARK = "<!-- im-interaktiv -->"

STYLE = """<style>
.im-interaktiv { display: none; }
.im-interaktiv.im-bereit { display: block; margin: 1rem 0; max-width: 46rem; }
.im-ansicht { width: 100%; }
.im-quelle { font-size: .8rem; color: #444; margin: .2rem 0; }
.im-tabelle summary { cursor: pointer; font-size: .9rem; }
.im-tabelle table { font-size: .85rem; }
.vega-bind { margin: .4rem 0; }
.vega-bind label { display: inline-flex; gap: .5rem; align-items: center; font-size: .9rem; }
@media screen { img.figure.im-ersetzt { display: none; } }
@media print { .im-interaktiv { display: none !important; } }
</style>"""

SCRIPT = """<script>
document.addEventListener('DOMContentLoaded', function () {
  var source = document.getElementById('%(areas_id)s');
  if (!source || !window.vegaEmbed) return;
  var areas = JSON.parse(source.textContent).features;
  var names = {};
  areas.forEach(function (f) { names[f.properties.code] = f.properties.name; });
  var locale = {decimal: ',', thousands: '.', grouping: [3], currency: ['', '\\u00a0€']};
  function number(v) {
    return v.toLocaleString('de-DE', {minimumFractionDigits: %(decimals)d, maximumFractionDigits: %(decimals)d});
  }
  function table(box, spec, view) {
    var rows = spec.datasets['%(values)s'];
    var details = document.createElement('details');
    details.className = 'im-tabelle';
    var summary = document.createElement('summary');
    summary.textContent = 'Tabelle zur Karte (alle %(plural)s, gewähltes Jahr)';
    details.appendChild(summary);
    var wrap = document.createElement('div');
    wrap.className = 'im-tabelle-inhalt';
    details.appendChild(wrap);
    box.appendChild(details);
    var unit = box.getAttribute('data-einheit') || '';
    function fill(year) {
      var t = document.createElement('table');
      var cap = t.createCaption();
      var text = spec.title && spec.title.text || 'Karte';
      cap.textContent = (Array.isArray(text) ? text.join(' ') : text) + ', ' + year;
      var head = t.createTHead().insertRow();
      ['%(singular)s', 'Wert'].forEach(function (h) {
        var th = document.createElement('th'); th.scope = 'col'; th.textContent = h; head.appendChild(th);
      });
      var body = t.createTBody();
      rows.filter(function (r) { return r.jahr === year; }).forEach(function (r) {
        var tr = body.insertRow();
        var th = document.createElement('th'); th.scope = 'row';
        var a = document.createElement('a');
        a.href = '%(profile)s'.replace('{code}', r.code);
        a.textContent = names[r.code] || r.code;
        th.appendChild(a); tr.appendChild(th);
        tr.insertCell().textContent = r.wert === null ? r.zeichen : number(r.wert) + (unit ? '\\u00a0' + unit : '');
      });
      wrap.replaceChildren(t);
    }
    fill(view.signal('jahr'));
    view.addSignalListener('jahr', function (_, year) { fill(+year); });
  }
  function staticMap(box) {
    var img = box.previousElementSibling;
    while (img && !(img.tagName === 'IMG' && img.classList.contains('figure'))) img = img.previousElementSibling;
    return img;
  }
  function draw(box) {
    if (box.getAttribute('data-gezeichnet')) return;
    box.setAttribute('data-gezeichnet', '1');
    var spec = JSON.parse(document.getElementById(box.getAttribute('data-spec')).textContent);
    spec.datasets['%(areas)s'] = areas;
    box.classList.add('im-bereit');
    if (box.getAttribute('data-quelle')) {
      var note = document.createElement('p');
      note.className = 'im-quelle';
      note.textContent = 'Quelle: ' + box.getAttribute('data-quelle');
      box.appendChild(note);
    }
    vegaEmbed(box.querySelector('.im-ansicht'), spec, {actions: false, renderer: 'svg', formatLocale: locale,
                                                        loader: {target: '_self'}})
      .then(function (result) {
        var img = staticMap(box);
        if (img) img.classList.add('im-ersetzt');
        table(box, spec, result.view);
      })
      .catch(function (err) { box.classList.remove('im-bereit'); console.error(err); });
  }
  var boxes = Array.prototype.slice.call(document.querySelectorAll('.%(view)s'));
  if (!('IntersectionObserver' in window)) { boxes.forEach(draw); return; }
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { if (e.isIntersecting) { seen.unobserve(e.target); draw(e.target.imKarte); } });
  }, {rootMargin: '600px 0px'});
  boxes.forEach(function (b) {
    var img = staticMap(b) || b;
    img.imKarte = b;
    seen.observe(img);
  });
  window.imKarteZeichnen = draw;
});
</script>"""


def _cache_dir() -> Path:
    """Beside the installed packages (the bundle belongs to their versions), else the temporary folder."""
    for folder in (Path(sys.prefix) / "share" / "integrationsmonitoring", Path(tempfile.gettempdir()) / "integrationsmonitoring"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return folder
        except OSError:
            continue
    raise OSError("Kein beschreibbarer Ordner für das JavaScript der interaktiven Karten.")


def vega_version() -> str:
    """The Vega-Lite version the specs are written for (Altair's schema), as vl-convert names it ("6.4")."""
    import altair as alt

    return ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


@lru_cache(maxsize=1)
def bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script (vl-convert-python's bundle), cached by version."""
    import vl_convert

    version = vega_version()
    path = _cache_dir() / f"vega-embed-{vl_convert.__version__}-vl{version}.js"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    code = vl_convert.javascript_bundle(vl_version=version)
    fileio.write_text_atomic(path, code)
    return code


def page_parts(body: str, level: str | None = None) -> str:
    """What `body` needs to draw its interactive maps (empty without any): style, GeoJSON, Vega, the embedding."""
    if f'class="{interactive.SPEC_CLASS}"' not in body or MARK in body:
        return ""
    level = level or levels.base()
    shown = levels.hierarchy().level(level)
    script = SCRIPT % {"areas_id": interactive.AREAS_ID, "values": interactive.VALUES, "areas": interactive.AREAS,
                       "view": interactive.VIEW_CLASS, "profile": interactive.PROFILE, "decimals": 1,
                       "plural": shown.plural, "singular": shown.name}
    code = bundle().replace("</script", "<\\/script")
    return (f"{MARK}{STYLE}<script type=\"application/json\" id=\"{interactive.AREAS_ID}\">"
            f"{interactive.area_geojson(level)}</script><script>{code}</script>{script}")
