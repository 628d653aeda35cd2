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

import json
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from helpers.core import fileio, levels
from helpers.disclosure import embedded
from helpers.disclosure.disclosed import DECIMALS
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
.vega-bind label, .im-wahl { display: inline-flex; gap: .5rem; align-items: center; font-size: .9rem; }
.im-wahl { margin: .4rem 0; }
@media screen { img.figure.im-ersetzt { display: none; } }
@media print { .im-interaktiv { display: none !important; } }
</style>"""

SCRIPT = """<script>
document.addEventListener('DOMContentLoaded', function () {
  // Each level's boundaries are read once, when its first map is drawn: one boundary set per map.
  var shapes = %(levels)s;
  if (!window.vegaEmbed) return;
  function areasOf(level) {
    var known = shapes[level];
    if (!known.features) {
      known.features = JSON.parse(document.getElementById(known.id).textContent).features;
      known.names = {};
      known.features.forEach(function (f) { known.names[f.properties.code] = f.properties.name; });
    }
    return known;
  }
  var locale = {decimal: ',', thousands: '.', grouping: [3], currency: ['', '\\u00a0€']};
  // One formatter: toLocaleString with options builds a new one per call, 1 ms each in the first draw.
  var format = new Intl.NumberFormat('de-DE', {minimumFractionDigits: %(decimals)d, maximumFractionDigits: %(decimals)d});
  function number(v) {
    return format.format(v);
  }
  function signed(d) {
    return (d < 0 ? '\\u2212' : '+') + number(Math.abs(d));
  }
  function cell(r, unit) {
    return !r || r.wert === null ? (r && r.zeichen || '.') : number(r.wert) + (unit ? '\\u00a0' + unit : '');
  }
  function table(box, spec, state, level) {
    var rows = spec.datasets['%(values)s'];
    var names = level.names;
    var details = document.createElement('details');
    details.className = 'im-tabelle';
    var summary = document.createElement('summary');
    summary.textContent = 'Tabelle zur Karte (alle ' + level.plural + ', gewählte Ansicht)';
    details.appendChild(summary);
    var wrap = document.createElement('div');
    wrap.className = 'im-tabelle-inhalt';
    details.appendChild(wrap);
    box.appendChild(details);
    var unit = box.getAttribute('data-einheit') || '';
    var changeUnit = unit === '%%' ? 'Prozentpunkte' : unit;
    var byYear = {};
    rows.forEach(function (r) { (byYear[r.jahr] = byYear[r.jahr] || {})[r.code] = r; });
    return function fill() {
      var year = state.jahr, since = state.seit, change = state.ansicht === 'veraenderung';
      var t = document.createElement('table');
      var cap = t.createCaption();
      var text = spec.title && spec.title.text || 'Karte';
      cap.textContent = (Array.isArray(text) ? text.join(' ') : text) +
        (change ? ', Veränderung ' + since + '\\u2013' + year : ', ' + year);
      var head = t.createTHead().insertRow();
      var heads = change ? [level.singular, 'Wert ' + since, 'Wert ' + year,
                            'Veränderung' + (changeUnit ? ' (' + changeUnit + ')' : '')]
                         : [level.singular, 'Wert'];
      heads.forEach(function (h) {
        var th = document.createElement('th'); th.scope = 'col'; th.textContent = h; head.appendChild(th);
      });
      var body = t.createTBody();
      rows.filter(function (r) { return r.jahr === year; }).forEach(function (r) {
        var tr = body.insertRow();
        var th = document.createElement('th'); th.scope = 'row';
        if (level.profiles) {  // the base level's areas have profiles
          var a = document.createElement('a');
          a.href = '%(profile)s'.replace('{code}', r.code);
          a.textContent = names[r.code] || r.code;
          th.appendChild(a);
        } else {
          th.textContent = names[r.code] || r.code;
        }
        tr.appendChild(th);
        if (!change) { tr.insertCell().textContent = cell(r, unit); return; }
        // The difference of the two published values, as the map computes it; a secret or missing value
        // gives its symbol, never a number.
        var before = (byYear[since] || {})[r.code];
        tr.insertCell().textContent = cell(before, unit);
        tr.insertCell().textContent = cell(r, unit);
        var diff = since >= year ? 'x' : r.wert === null ? (r.zeichen || '.')
          : !before || before.wert === null ? (before && before.zeichen || '.')
          : signed(Math.round((r.wert - before.wert) * %(scale)d) / %(scale)d + 0);
        tr.insertCell().textContent = diff;
      });
      wrap.replaceChildren(t);
    };
  }
  function staticMap(box) {
    var img = box.previousElementSibling;
    while (img && !(img.tagName === 'IMG' && img.classList.contains('figure'))) img = img.previousElementSibling;
    return img;
  }
  function param(spec, name) {
    var found = (spec.params || []).filter(function (p) { return p.name === name; })[0];
    return found ? found.value : null;
  }
  function draw(box) {
    if (box.getAttribute('data-gezeichnet')) return;
    box.setAttribute('data-gezeichnet', '1');
    var spec = JSON.parse(document.getElementById(box.getAttribute('data-spec')).textContent);
    var level = areasOf(box.getAttribute('data-ebene') || '%(base)s');
    spec.datasets['%(areas)s'] = level.features;
    var change = spec.usermeta && spec.usermeta['%(change)s'];
    if (change) { delete spec.usermeta['%(change)s']; change.datasets = spec.datasets; }
    var state = {ansicht: 'wert', jahr: param(spec, 'jahr'), seit: change ? param(change, 'seit') : null};
    var holder = box.querySelector('.im-ansicht');
    box.classList.add('im-bereit');
    if (change) {  // the view: the values of a year, or their change since an earlier year (a labelled select)
      var choice = document.createElement('div');
      choice.className = 'im-wahl';
      var label = document.createElement('label');
      var select = document.createElement('select');
      select.id = box.getAttribute('data-spec') + '-ansicht';
      label.htmlFor = select.id;
      label.textContent = 'Ansicht';
      [['wert', 'Werte'], ['veraenderung', 'Veränderung seit einem früheren Jahr']].forEach(function (o) {
        var option = document.createElement('option'); option.value = o[0]; option.textContent = o[1];
        select.appendChild(option);
      });
      choice.appendChild(label);
      choice.appendChild(select);
      box.insertBefore(choice, holder);
    }
    if (box.getAttribute('data-quelle')) {
      var note = document.createElement('p');
      note.className = 'im-quelle';
      note.textContent = 'Quelle: ' + box.getAttribute('data-quelle');
      box.appendChild(note);
    }
    var fill = null, shown = null;
    function embed() {
      var current = state.ansicht === 'veraenderung' ? change : spec;
      (current.params || []).forEach(function (p) { if (state[p.name] != null) p.value = state[p.name]; });
      if (shown) shown.finalize();
      return vegaEmbed(holder, current, {actions: false, renderer: 'svg', formatLocale: locale,
                                         loader: {target: '_self'}})
        .then(function (result) {
          shown = result;
          ['jahr', 'seit'].forEach(function (name) {
            if ((current.params || []).some(function (p) { return p.name === name; })) {
              result.view.addSignalListener(name, function (_, value) { state[name] = +value; fill(); });
            }
          });
          if (!fill) fill = table(box, spec, state, level);
          fill();
          box.setAttribute('data-ansicht', state.ansicht);
        });
    }
    embed().then(function () {
      var img = staticMap(box);
      if (img) img.classList.add('im-ersetzt');
      if (change) select.addEventListener('change', function () { state.ansicht = select.value; embed(); });
    }).catch(function (err) { box.classList.remove('im-bereit'); console.error(err); });
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


#: The Vega-Lite version the specs are written for, as vl-convert names it: the schema of the Altair the
#: project locks (tests/test_interactive_altair.py compares; naming it here spares the report's stitching,
#: after the last chapter, Altair's import of half a second).
VEGA_LITE = "6.4"


def vega_version() -> str:
    """The Vega-Lite version the specs are written for (Altair's schema), as vl-convert names it ("6.4")."""
    return VEGA_LITE


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
    """What `body` needs to draw its interactive maps (empty without any): style, the GeoJSON of each level a map
    of `body` is drawn on (`level`: the base level, default the city's), Vega, the embedding."""
    if f'class="{interactive.SPEC_CLASS}"' not in body or MARK in body:
        return ""
    base = level or levels.base()
    h = levels.hierarchy()
    drawn = sorted({attrs.get("data-ebene") or base for attrs, _ in embedded.blocks(body)}, key=lambda lv: (lv != base, lv))
    shapes = {lv: {"id": interactive.areas_id(lv, base), "plural": h.level(lv).plural, "singular": h.level(lv).name,
                   "profiles": lv == base} for lv in drawn}
    script = SCRIPT % {"values": interactive.VALUES, "areas": interactive.AREAS, "base": base,
                       "levels": json.dumps(shapes, ensure_ascii=False).replace("</", "<\\/"),
                       "view": interactive.VIEW_CLASS, "profile": interactive.PROFILE, "decimals": DECIMALS,
                       "change": interactive.CHANGE, "scale": 10 ** DECIMALS}
    code = bundle().replace("</script", "<\\/script")
    geojson = "".join(f'<script type="application/json" id="{shapes[lv]["id"]}">{interactive.area_geojson(lv)}</script>'
                      for lv in drawn)
    return f"{MARK}{STYLE}{geojson}<script>{code}</script>{script}"
