"""The page part that draws the correlation chapter's linked view, once per report (HTML only).

The view's element and spec come from helpers.figures.linked; Vega and the base areas' GeoJSON are the
interactive maps' (helpers.publish.interactive adds them once, since the view's spec carries the maps' class).
This script, added among the screen's reading aids like theirs (the PDF's parts leave it out; print hides
the view), writes into the view's element when it comes near the screen: two labelled lists of the series
and one of the areas, the correlation r with its n, weighting and the areas left out (named, with their
symbol), the scatter and the map (two Vega views, side by side on a wide screen, one below the other on a
phone), and an equivalent table of the two chosen series per area that follows the choice. Selecting an
area in either view or in the list marks it in both and in the table; pointing at one marks it while pointed.

The lists offer the chapter's series first, then every other series published for the base areas in the view's
year, grouped by Handlungsfeld (<optgroup>). Those come from the exported indicator table (the frame of
helpers.disclosure.disclosed.table_frame, which helpers.runner.release hands to the stitch), not from the chapter's
kernel: `further_blocks` writes, per view, one block beside it (helpers.figures.linked.more_html) with the published
cells of every series the view's spec does not hold and that has at least helpers.stats.correlation.MIN_AREAS
values (as the chapter keeps its own), rounded as published, suppressed ones null with their symbol, and the
series' labels worded as the chapter's (helpers.figures.linked.series_label). The block is a page
part among the reading aids, so the chapter's cached HTML is the same whatever the table holds; the disclosure
checker reads every value of it (helpers.disclosure.embedded) against the published tables and the rule.

r for a pair the chapter computed is the table of pairs' (embedded with the spec, Pearson, as the table
shows it); for any other pair the script computes Pearson's r from the embedded published values, with the
formula of helpers.stats.correlation.weighted_pearson for equal weights (the population weights are not
published, so another pair is always unweighted, and the view says so).
"""

from __future__ import annotations

import json

import pandas as pd

from helpers.core import catalogue, levels
from helpers.disclosure import embedded, tidy
from helpers.figures import interactive, linked
from helpers.stats.correlation import MIN_AREAS

#: Marks the page part, so that a page is not given it twice.
MARK = "<!-- im-zusammenhang -->"

STYLE = """<style>
.im-zusammenhang { display: none; }
.im-zusammenhang.im-bereit { display: block; margin: 1.2rem 0; }
.im-zusammenhang fieldset { min-width: 0; border: 1px solid #bbb; padding: .6rem .8rem; margin: 0 0 .6rem; }
.im-zusammenhang legend { font-weight: 600; padding: 0 .3rem; }
.im-zusammenhang .iz-wahl { display: flex; flex-direction: column; margin: .3rem 0; font-size: .9rem; }
.im-zusammenhang select { max-width: 100%; font-size: .9rem; padding: .15rem; }
.im-zusammenhang .iz-ergebnis { font-weight: 600; margin: .4rem 0; }
.im-zusammenhang .iz-hinweis, .im-zusammenhang .im-quelle { font-size: .85rem; color: #444; margin: .2rem 0; }
.im-zusammenhang .iz-ansichten { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.im-zusammenhang .iz-ansicht { width: 100%; min-width: 0; }
.im-zusammenhang .iz-tabelle summary { cursor: pointer; font-size: .9rem; }
.im-zusammenhang .iz-tabelle table { font-size: .85rem; width: 100%; }
.im-zusammenhang .iz-tabelle th, .im-zusammenhang .iz-tabelle td { overflow-wrap: anywhere; }
.im-zusammenhang tr.iz-markiert { outline: 2px solid #d7301f; }
@media (max-width: 56rem) { .im-zusammenhang .iz-ansichten { grid-template-columns: 1fr; } }
@media print { .im-zusammenhang { display: none !important; } }
</style>"""

SCRIPT = """<script>
document.addEventListener('DOMContentLoaded', function () {
  var source = document.getElementById('%(areas_id)s');
  if (!source || !window.vegaEmbed) return;
  var features = JSON.parse(source.textContent).features;
  var names = {}, order = [];
  features.forEach(function (f) { names[f.properties.code] = f.properties.name; order.push(f.properties.code); });
  var locale = {decimal: ',', thousands: '.', grouping: [3], currency: ['', '\\u00a0€']};
  var plural = '%(plural)s', singular = '%(singular)s';
  // One formatter per number of decimals: toLocaleString with options builds a new one per call.
  var formats = {};
  function number(v, d) {
    var format = formats[d] || (formats[d] = new Intl.NumberFormat('de-DE', {minimumFractionDigits: d, maximumFractionDigits: d}));
    return format.format(v).replace('-', '\\u2212');
  }
  // Pearson's r with equal weights, as helpers.stats.correlation.weighted_pearson computes it.
  function pearson(xs, ys) {
    var n = xs.length, mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0, i;
    if (n < 3) return NaN;
    for (i = 0; i < n; i++) { mx += xs[i] / n; my += ys[i] / n; }
    for (i = 0; i < n; i++) {
      var dx = xs[i] - mx, dy = ys[i] - my;
      sxx += dx * dx / n; syy += dy * dy / n; sxy += dx * dy / n;
    }
    if (sxx <= 0 || syy <= 0) return NaN;
    return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
  }
  function element(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  // groups: [[label of an <optgroup> or null for none, [[value, text], ...]], ...]
  function choice(id, label, groups, value) {
    var wrap = element('div', {'class': 'iz-wahl'});
    wrap.appendChild(element('label', {'for': id}, label));
    var select = element('select', {id: id});
    groups.forEach(function (g) {
      var parent = g[0] === null ? select : select.appendChild(element('optgroup', {label: g[0]}));
      g[1].forEach(function (o) { parent.appendChild(element('option', {value: o[0]}, o[1])); });
    });
    select.value = value;
    wrap.appendChild(select);
    return [wrap, select];
  }
  function part(spec, index, description) {
    var one = {};
    Object.keys(spec).forEach(function (k) { if (k !== 'hconcat' && k !== 'resolve') one[k] = spec[k]; });
    Object.keys(spec.hconcat[index]).forEach(function (k) {
      one[k] = k === 'transform' ? (spec.transform || []).concat(spec.hconcat[index][k]) : spec.hconcat[index][k];
    });
    one.description = description;
    return one;
  }
  var count = 0;
  function draw(box) {
    if (box.getAttribute('data-gezeichnet')) return;
    box.setAttribute('data-gezeichnet', '1');
    var id = 'iz' + (++count);
    var spec = JSON.parse(document.getElementById(box.getAttribute('data-spec')).textContent);
    spec.datasets['%(areas)s'] = features;
    var series = JSON.parse(box.getAttribute('data-reihen'));
    var keys = Object.keys(series);
    var groups = [[null, keys.map(function (k) { return [k, series[k]]; })]];
    // The further series (every other one published for these areas in the view's year), beside the spec.
    var more = document.getElementById(box.getAttribute('data-spec') + '%(more)s');
    if (more) {
      var further = JSON.parse(more.textContent), topics = {};
      spec.datasets['%(values)s'] = spec.datasets['%(values)s'].concat(further.datasets['%(values)s']);
      groups[0][0] = 'Indikatoren dieses Kapitels';
      further['%(series)s'].forEach(function (s) {
        var topic = s.thema || 'Weitere Indikatoren';
        if (!topics[topic]) groups.push(topics[topic] = [topic, []]);
        topics[topic][1].push([s.schluessel, s.name]);
        series[s.schluessel] = s.name;
      });
    }
    var weighted = box.getAttribute('data-gewichtung') === 'gewichtet';
    var values = {};
    spec.datasets['%(values)s'].forEach(function (r) {
      var key = r.gruppe === 'total' ? r.indikator : r.indikator + ':' + r.gruppe;
      (values[key] = values[key] || {})[r.code] = r;
    });
    var year = spec.datasets['%(values)s'][0].jahr;
    var pairs = {};
    spec.datasets['%(pairs)s'].forEach(function (p) { pairs[p.a + '|' + p.b] = p; pairs[p.b + '|' + p.a] = p; });
    var form = element('fieldset');
    form.appendChild(element('legend', {}, 'Zwei Indikatoren vergleichen (' + year + ')'));
    var sx = choice(id + '-x', 'Indikator auf der x-Achse', groups, spec.params[0].value);
    var sy = choice(id + '-y', 'Indikator auf der y-Achse (Farbe der Karte)', groups, spec.params[1].value);
    var areaOptions = [['', '(keiner)']].concat(order.map(function (c) { return [c, names[c]]; }));
    var sa = choice(id + '-g', singular + ' markieren', [[null, areaOptions]], '');
    [sx[0], sy[0], sa[0]].forEach(function (w) { form.appendChild(w); });
    box.appendChild(form);
    var result = element('p', {'class': 'iz-ergebnis', 'aria-live': 'polite', id: id + '-r'});
    var method = element('p', {'class': 'iz-hinweis'});
    var left = element('p', {'class': 'iz-hinweis iz-ausgelassen'});
    var marked = element('p', {'class': 'iz-hinweis iz-markiert-text', 'aria-live': 'polite'});
    var axes = element('p', {'class': 'iz-hinweis iz-achsen'});
    var views = element('div', {'class': 'iz-ansichten'});
    var vs = element('div', {'class': 'iz-ansicht iz-streu'}), vm = element('div', {'class': 'iz-ansicht iz-karte'});
    views.appendChild(vs); views.appendChild(vm);
    [result, method, left, axes, views, marked].forEach(function (e) { box.appendChild(e); });
    if (box.getAttribute('data-quelle')) {
      box.appendChild(element('p', {'class': 'im-quelle'}, 'Quelle: ' + box.getAttribute('data-quelle')));
    }
    var details = element('details', {'class': 'iz-tabelle'});
    details.appendChild(element('summary', {}, 'Tabelle zur Auswahl (alle ' + plural + ')'));
    var tableWrap = element('div', {'class': 'iz-tabelle-inhalt'});
    details.appendChild(tableWrap);
    box.appendChild(details);
    box.classList.add('im-bereit');
    var shown = [];
    function cell(row) { return !row ? '.' : row.wert === null ? row.zeichen : number(row.wert, 1); }
    function markedCode() { return sa[1].value; }
    function signal(name, value) {
      shown.forEach(function (v) { v.signal(name, value); });
      return Promise.all(shown.map(function (v) { return v.runAsync(); }));
    }
    function fillTable(x, y) {
      var t = element('table');
      t.createCaption().textContent = series[x] + ' und ' + series[y] + ' je ' + singular + ', ' + year;
      var head = t.createTHead().insertRow();
      [singular, 'x: ' + series[x], 'y: ' + series[y]].forEach(function (h) {
        head.appendChild(element('th', {scope: 'col'}, h));
      });
      var body = t.createTBody();
      order.forEach(function (c) {
        var tr = body.insertRow();
        tr.setAttribute('data-code', c);
        if (c === markedCode()) tr.className = 'iz-markiert';
        tr.appendChild(element('th', {scope: 'row'}, names[c]));
        tr.insertCell().textContent = cell((values[x] || {})[c]);
        tr.insertCell().textContent = cell((values[y] || {})[c]);
      });
      tableWrap.replaceChildren(t);
    }
    function describeMarked() {
      var c = markedCode(), x = sx[1].value, y = sy[1].value;
      marked.textContent = c ? 'Markiert: ' + names[c] + ' \\u2013 x: ' + cell((values[x] || {})[c]) + ', y: '
                               + cell((values[y] || {})[c]) : '';
      tableWrap.querySelectorAll('tr[data-code]').forEach(function (tr) {
        tr.classList.toggle('iz-markiert', tr.getAttribute('data-code') === c);
      });
    }
    function update() {
      var x = sx[1].value, y = sy[1].value, xs = [], ys = [], out = [];
      order.forEach(function (c) {
        var a = (values[x] || {})[c], b = (values[y] || {})[c];
        if (a && b && a.wert !== null && b.wert !== null) { xs.push(a.wert); ys.push(b.wert); }
        else out.push(names[c] + ' (' + [a, b].filter(function (r) { return !r || r.wert === null; })
                                             .map(function (r) { return r ? r.zeichen : '.'; })[0] + ')');
      });
      var pair = pairs[x + '|' + y];
      if (x === y) {
        result.textContent = 'Derselbe Indikator auf beiden Achsen: kein Korrelationskoeffizient (n = ' + xs.length + ' ' + plural + ').';
        method.textContent = '';
      } else if (pair) {
        result.textContent = 'r = ' + (pair.r === null ? '.' : number(pair.r, 2)) + ' (Pearson, '
          + (weighted ? 'gewichtet nach Einwohnerzahl' : 'ungewichtet') + '), n = ' + pair.n + ' ' + plural;
        method.textContent = 'Wie in der Tabelle \\u201eAlle Paare\\u201c (aus den ungerundeten Werten berechnet).';
      } else {
        var r = pearson(xs, ys);
        result.textContent = 'r = ' + (isNaN(r) ? '.' : number(r, 2)) + ' (Pearson, ungewichtet), n = ' + xs.length + ' ' + plural;
        method.textContent = 'Dieses Paar steht nicht in der Tabelle \\u201eAlle Paare\\u201c: r ist hier aus den '
          + 'veröffentlichten, auf eine Nachkommastelle gerundeten Werten berechnet'
          + (weighted ? ', ungewichtet, weil die Einwohnerzahlen der ' + plural + ' (die Gewichte der Tabelle) '
                        + 'hier nicht veröffentlicht sind.' : '.');
      }
      left.textContent = out.length ? 'Nicht enthalten (kein veröffentlichter Wert; Zeichen in Klammern): '
        + out.join(', ') + '.' : 'Alle ' + order.length + ' ' + plural + ' haben Werte für beide Indikatoren.';
      axes.textContent = 'Streudiagramm: x-Achse ' + series[x] + ', y-Achse ' + series[y]
        + '. Karte: ' + series[y] + ' (grau: kein Wert).';
      fillTable(x, y);
      describeMarked();
      signal('xwahl', x); signal('ywahl', y); signal('xname', series[x]);
      return signal('yname', series[y]);
    }
    function mark(code) {
      sa[1].value = code || '';
      describeMarked();
      return signal('markiert', sa[1].value);
    }
    function listen(view) {
      view.addEventListener('click', function (_, item) {
        var c = item && item.datum && item.datum.code;
        if (c) mark(c === markedCode() ? '' : c);
      });
      view.addEventListener('pointerover', function (_, item) {
        var c = item && item.datum && item.datum.code;
        if (c) signal('zeige', c);
      });
      view.addEventListener('pointerout', function () { signal('zeige', ''); });
    }
    var opts = {actions: false, renderer: 'svg', formatLocale: locale};
    var kind = [['Streudiagramm', vs], ['Karte der ' + plural, vm]];
    Promise.all(kind.map(function (k, i) {
      return vegaEmbed(k[1], part(spec, i, k[0] + ': ' + spec.description), opts);
    })).then(function (embeds) {
      embeds.forEach(function (e) { shown.push(e.view); listen(e.view); });
      sx[1].addEventListener('change', update);
      sy[1].addEventListener('change', update);
      sa[1].addEventListener('change', function () { mark(sa[1].value); });
      return update();
    }).then(function () { box.setAttribute('data-bereit', '1'); })
      .catch(function (err) { box.classList.remove('im-bereit'); console.error(err); });
  }
  var boxes = Array.prototype.slice.call(document.querySelectorAll('.%(view)s'));
  window.imZusammenhangZeichnen = draw;
  if (!('IntersectionObserver' in window)) { boxes.forEach(draw); return; }
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { if (e.isIntersecting) { seen.unobserve(e.target); draw(e.target); } });
  }, {rootMargin: '600px 0px'});
  boxes.forEach(function (b) { b.classList.add('im-bereit'); seen.observe(b); });
});
</script>"""


def views(body: str) -> list[tuple[str, str, int, set[str]]]:
    """(id, level, year, keys of the series it holds) of every linked view's spec in `body`."""
    found = []
    for attrs, text in embedded.blocks(body):
        key = attrs.get("id", "")
        if not key.startswith(linked.KEY_PREFIX) or key.endswith(linked.MORE_SUFFIX):
            continue
        try:
            rows = json.loads(text).get("datasets", {}).get(linked.VALUES, [])
        except ValueError:
            continue  # the disclosure checker reports a spec it cannot read; the page offers it nothing more
        if rows:
            held = {linked.series_key(r["indikator"], r["gruppe"]) for r in rows}
            found.append((key, attrs.get("data-ebene", ""), int(rows[0]["jahr"]), held))
    return found


def further_cells(table: pd.DataFrame, level: str, year: int, held: set[str]) -> pd.DataFrame:
    """The published cells of `level` and `year` in the exported `table` of every series not in `held` that has
    at least MIN_AREAS values there (as the chapter keeps its own), in the table's order (catalogue, then group)."""
    cells = table[(table["area_level"] == level) & (table["year"].astype(int) == int(year))]
    keys = pd.Series([linked.series_key(i, g) for i, g in zip(cells["indicator"], cells["group"])], index=cells.index)
    cells = cells.assign(key=keys)[~keys.isin(held)]
    counts = cells.groupby("key", sort=False)["value"].count()
    order = {k: i for i, k in enumerate(k for k in cells["key"].drop_duplicates() if counts[k] >= MIN_AREAS)}
    cells = cells[cells["key"].isin(order)].assign(order=lambda f: f["key"].map(order))
    return cells.sort_values(["order", "area_code"], kind="stable").drop(columns="order").reset_index(drop=True)


def further_series(cells: pd.DataFrame) -> list[dict[str, str]]:
    """Key, German label (as the chapter's lists word it, demo data marked) and topic (the Handlungsfeld) of each
    series of `cells`, in their order."""
    cat = catalogue.load()
    out = []
    for key, rows in cells.groupby("key", sort=False):
        first = rows.iloc[0]
        indicator = cat.indicator(str(first["indicator"]))
        synthetic = indicator.synthetic or bool(rows["synthetic"].astype("boolean").fillna(False).any())
        label = linked.series_label(tidy.Spec(indicator, str(first["group"])).label(with_group=True), indicator.unit,
                                    synthetic)
        out.append({"schluessel": str(key), "name": label, "thema": str(first.get("handlungsfeld_name", ""))})
    return out


def further_blocks(body: str, table: pd.DataFrame | None) -> str:
    """For each linked view in `body`, the block of further series (helpers.figures.linked.more_html): the published
    base-level cells of the view's year from the exported indicator `table` for every series its spec does not hold."""
    if table is None or table.empty:
        return ""
    out = []
    for key, level, year, held in views(body):
        cells = further_cells(table, level, year, held)
        if len(cells):
            out.append(linked.more_html(key, level, linked.value_rows(cells), further_series(cells)))
    return "".join(out)


def page_parts(body: str, level: str | None = None, table: pd.DataFrame | None = None) -> str:
    """What `body` needs to draw its linked view (empty without one): style and script, and with the exported
    indicator `table` the further series every view offers (further_blocks)."""
    if f'class="{linked.VIEW_CLASS}"' not in body or MARK in body:
        return ""
    shown = levels.hierarchy().level(level or levels.base())
    script = SCRIPT % {"areas_id": interactive.AREAS_ID, "values": linked.VALUES, "pairs": linked.PAIRS,
                       "areas": linked.AREAS, "view": linked.VIEW_CLASS, "plural": shown.plural,
                       "singular": shown.name, "more": linked.MORE_SUFFIX, "series": linked.SERIES}
    return MARK + STYLE + script + further_blocks(body, table)
