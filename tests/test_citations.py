"""Placeholders resolved to published cells (helpers.disclosure.citations), on the committed data.

Hand-checked values: unemployed foreigners per 100 foreign residents aged 15-64 in the city, 2014:
1 701 of 25 831 = 6,585 % (SMS); the series ends in 2014 (2015-2019 have the sign "." for "no value").
Martini's U9 participation 2019 is hidden by the primary rule (synthetic, fewer than 30 children).
"""

from __future__ import annotations

import pytest

from helpers.core import texts
from helpers.core.texts import StaffText
from helpers.disclosure import citations
from helpers.sections import commentary


def _text(body: str, year: int = 2020, place: str = "indikator", key: str = "alo_dichte") -> StaffText:
    return StaffText(texts.path_of(place, key, year), place, key, year, body, first_line=4)


def _one(body: str, year: int = 2020) -> citations.Citation:
    found = citations.citations(_text(body, year))
    assert len(found) == 1
    return found[0]


def test_letztes_cites_the_latest_year_with_a_value_and_says_which():
    latest = _one("Zuletzt {{alo_dichte:foreign letztes}}.")
    assert (latest.year, latest.missing, latest.secret) == (2014, False, False)
    assert latest.value == pytest.approx(1701 / 25831 * 100)
    assert latest.rendered() == "6,6\u00a0% (2014)"
    assert latest.hint() is None
    rendered, cited = commentary.render(_text("Zuletzt {{alo_dichte:foreign letztes}}."))
    assert rendered == "Zuletzt 6,6\u00a0% (2014)." and len(cited) == 1 and int(cited[0]["year"].iloc[0]) == 2014


def test_a_placeholder_without_a_value_is_a_hint_naming_the_years_that_have_one_and_the_city_by_name():
    none = _one("Die Dichte lag bei {{alo_dichte:foreign}}.")
    assert (none.year, none.missing, none.rendered()) == (2020, True, ".")
    hint = none.hint()
    assert hint.startswith("{{alo_dichte:foreign}} („Arbeitslose") and none.reference.where().endswith(", Zeile 4")
    assert "Münster, Ausländer/-innen) hat für 2020 keinen Wert" in hint and "05515000" not in hint
    assert "Werte gibt es für 2006–2014; z. B. {{alo_dichte:foreign letztes}} zitiert das letzte Jahr mit Wert." in hint
    in_2019 = _one("{{alo_dichte:foreign Coerde}}", year=2019)  # a cell with the sign "." (no value), not a secret
    assert in_2019.missing and "(„Arbeitslose je 100 Einwohner/-innen 15–64" not in in_2019.hint()
    assert "Coerde, Ausländer/-innen) hat für 2019 keinen Wert" in in_2019.hint()
    assert "{{alo_dichte:foreign letztes Coerde}}" in in_2019.hint()


def test_a_placeholder_on_a_secret_value_renders_the_sign_and_is_a_hint():
    secret = citations.citations(_text("In Martini: {{u9_teilnahme Martini}}.", 2019, key="u9_teilnahme"))[0]
    assert secret.secret and not secret.missing and secret.rendered() == "."
    assert "steht für einen Wert, den die Geheimhaltungsregel nicht veröffentlicht (2019)" in secret.hint()
    assert "(„" in secret.hint() and "Martini)" in secret.hint()


def test_a_published_value_is_no_hint_and_a_name_on_two_levels_is_the_smallest_area():
    shown = _one("{{mv_anteil 2019 Kinderhaus-West}}", year=2019)
    assert shown.hint() is None and shown.rendered() == "41,4\u00a0%"
    assert citations.find_area("Stadt")[0][0] == "stadt" and citations.find_area("Münster")[0][0] == "stadt"
    assert citations.find_area("Kinderh.-West") == citations.find_area("Kinderhaus-West")
    assert citations.find_area("Stadtbezirk Mitte")[0][:2] == ("stadtbezirk", "1")
