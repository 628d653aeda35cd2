"""The settings: the shared config/monitoring.yml, which every city's config/<city>/monitoring.yml extends
section by section and key by key, and the default city named by one setting in it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpers.core import config, context, paths

SHARED = """\
city: a
disclosure: {min_count: 3, min_population: 300}
intake: {max_rows: 10}
"""
CITY = """\
chapters:
  - notebook: 00_a.ipynb
disclosure: {min_population: 500}
"""


def _root(tmp_path: Path, shared: str = SHARED, own: str = CITY, city: str = "a") -> Path:
    (tmp_path / "config" / city).mkdir(parents=True)
    (tmp_path / "config" / "monitoring.yml").write_text(shared, encoding="utf-8")
    path = tmp_path / "config" / city / "monitoring.yml"
    path.write_text(own, encoding="utf-8")
    return path


def test_every_committed_city_takes_the_one_shared_rule_without_copying_it():
    shared = yaml.safe_load((paths.ROOT / "config" / "monitoring.yml").read_text(encoding="utf-8"))
    cities = context.cities()
    assert cities == ["berlin", "flensburg", "muenster"] and shared["city"] == "muenster" == context.default_city()
    for city in cities:
        own = yaml.safe_load(config.config_path(paths.ROOT, city).read_text(encoding="utf-8")) or {}
        assert not {"disclosure", "texts", "intake"} & set(own), city
        # chapters of its own, or (Flensburg, set up by `stadt neu`) the generic chapters from its catalogue
        assert ("chapters" in own) is (city != "flensburg"), city
        settings = config.load(config.config_path(paths.ROOT, city))
        assert settings.disclosure == {**config.DISCLOSURE_DEFAULTS, **shared["disclosure"]}
        assert settings.intake == config.IntakeLimits(**shared["intake"])


def test_a_city_overrides_a_shared_section_key_by_key(tmp_path):
    settings = config.load(_root(tmp_path))
    assert settings.disclosure["min_population"] == 500  # the city's
    assert settings.disclosure["min_count"] == 3  # the shared file's, not lost by the city's section
    assert settings.intake.max_rows == 10 and settings.intake.max_file_mb == config.INTAKE_DEFAULTS["max_file_mb"]
    assert [c.notebook for c in settings.chapters] == ["00_a.ipynb"]


def test_the_settings_are_read_again_when_the_shared_file_changes(tmp_path):
    path = _root(tmp_path)
    assert config.load(path).disclosure["min_count"] == 3
    (tmp_path / "config" / "monitoring.yml").write_text(SHARED.replace("min_count: 3", "min_count: 5"), encoding="utf-8")
    assert config.load(path).disclosure["min_count"] == 5
    assert config.files(path) == [tmp_path / "config" / "monitoring.yml", path]


@pytest.mark.parametrize("shared, own, where, message", [
    (SHARED + "chapters:\n  - notebook: 00_a.ipynb\n", CITY, "shared",
     r"'\(Datei\)': unbekannte\(r\) Schlüssel chapters; erlaubt: city, disclosure, texts, intake"),
    (SHARED, CITY + "city: b\n", "city", r"'\(Datei\)': unbekannte\(r\) Schlüssel city"),
    (SHARED.replace("min_count: 3", "min_count: -1"), CITY, "shared",
     r"disclosure: 'min_count' muss eine ganze Zahl ≥ 0 sein, gefunden: -1"),
    (SHARED, CITY + "intake: {max_rows: 0}\n", "city", r"intake: 'max_rows' muss eine ganze Zahl > 0 sein"),
])
def test_a_bad_setting_names_the_file_it_is_written_in(tmp_path, shared, own, where, message):
    path = _root(tmp_path, shared, own)
    named = tmp_path / "config" / "monitoring.yml" if where == "shared" else path
    with pytest.raises(config.ConfigError, match=message) as err:
        config.load(path)
    assert str(err.value).startswith(f"{named}: ")


def test_a_missing_city_file_says_where_the_shared_settings_are(tmp_path):
    _root(tmp_path)
    with pytest.raises(config.ConfigError, match=r"monitoring.yml fehlt: .*gemeinsamen Einstellungen stehen in "
                                                 r"config/monitoring.yml"):
        config.load(tmp_path / "config" / "b" / "monitoring.yml")


def test_the_default_city_is_one_setting(tmp_path):
    _root(tmp_path)
    assert context.RunContext(root=tmp_path).city == "a"
    assert context.RunContext(root=tmp_path).outputs == tmp_path / "outputs" / "a"
    (tmp_path / "config" / "monitoring.yml").write_text(SHARED.replace("city: a", "city: b"), encoding="utf-8")
    assert context.default_city(tmp_path) == "b"
    (tmp_path / "config" / "monitoring.yml").write_text(SHARED.replace("city: a\n", ""), encoding="utf-8")
    with pytest.raises(context.ContextError, match="'city:' fehlt oder ist leer"):
        context.default_city(tmp_path)
