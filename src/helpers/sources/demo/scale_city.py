"""A seeded SYNTHETIC city of any size, to check that the workbench scales with the number of areas.

    python -m helpers.sources.demo.scale_city --root /tmp/stadt1000 --areas 1000
    IM_CONTEXT='{"root": "/tmp/stadt1000"}' python -m helpers.runner --ohne-pdf

ALL NUMBERS ARE INVENTED. The city "Stadt Beispielstadt (synthetisch)" (code 09999000, no real
Gemeindeschlüssel) exists only to measure how run time and figures behave with many areas (issue 7);
nothing in it describes Münster, and the titles, captions and source lines the helpers write name it
(via `data.city()`), not Münster.
Every observation row has ``synthetic=True`` and the source "Synthetische Skalierungsstadt
(Seed …)", so every figure, map and table of a report built from it carries the demo mark.

Areas
    The n small areas take the role of the level ``stadtteil`` (the level the chapters and maps
    address), grouped into Teilbereiche and Stadtbezirke and one city. Two geometries:

    * default: a jittered grid of n seed points in an 18 km x 18 km square in EPSG:25832 (about
      Münster's extent), cut into Voronoi cells. Neighbouring cells share their edges vertex
      for vertex, so Queen contiguity finds every neighbour. Teilbereiche are 3 x 3 blocks of the
      grid, Stadtbezirke blocks of those, so the levels nest exactly.
    * ``cells="muenster"``: the 174 real Stadtzellen of ``data/<city>/geo/stadtzellen.geojson`` (made by
      ``make data``) as small areas, in the real Teilbereiche and Stadtbezirke of their Stadtteil.

Counts
    1. The measures that are real in Münster (all terms of ``data/<city>/observations/sms.csv``:
       population by sex and origin, unemployed by kind, households, employees) are drawn per area from
       atoms – sex x (foreign, expellee, resettler, naturalised_other, german_mig_inherited,
       no_migration) – so every stored group is a sum of atoms and parts add up exactly
       (male + female = total, foreign + German with migration history = migration, …). The
       share with migration history varies smoothly in space (so Moran's I has something to find).
    2. The measures that are synthetic in Münster are made by ``helpers.sources.demo.synthetic``'s
       own plan and generator, tied to the counts of step 1 instead of the real population.
       It is given this city's years, seed and source label as arguments; `_areas_of` points
       the area table it reads at this city's for the duration of the call.

The same arguments give byte-identical files.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from helpers.core import arguments, catalogue, model, paths
from helpers.core.fileio import write_atomic
from helpers.sources.geojson import write_geojson

SEED = 20261122
#: The scale city's folder name under config/, data/, notebooks/ and outputs/ of its root.
NAME = "skalenstadt"
CITY_CODE = "09999000"
CITY_NAME = "Stadt Beispielstadt (synthetisch)"  # data.city().short: "Beispielstadt (synthetisch)"
CRS = "EPSG:25832"
#: Lower left corner and side of the square (metres, EPSG:25832): about Münster's extent.
ORIGIN, SIDE = (397_000.0, 5_748_000.0), 18_000.0
#: Mean residents per small area: like a Münster Stadtteil on the grid, like a Stadtzelle in "muenster" mode.
MEAN_POPULATION = {"grid": 6_800.0, "muenster": 1_800.0}
ORIGIN_ATOMS = ("foreign", "expellee", "resettler", "naturalised_other", "german_mig_inherited", "no_migration")
#: Stored origin -> the atoms it sums.
ORIGIN_SUMS = {
    "total": ORIGIN_ATOMS,
    "migration": ORIGIN_ATOMS[:5],
    "german_mig_personal": ("expellee", "resettler", "naturalised_other"),
    **{a: (a,) for a in ORIGIN_ATOMS},
}
GEO_LAYERS = {"stadtteil": "stadtteile", "teilbereich": "teilbereiche", "stadtbezirk": "stadtbezirke"}
#: config/<city>/city.yml of the scale city: its hierarchy only (all texts stay generic).
CITY_YAML = """\
# Synthetische Skalierungsstadt (helpers.sources.demo.scale_city): nur die Gebietsgliederung; alle Texte
# und Quellen sind allgemein, keine nennt eine wirkliche Stadt.
levels:
  - {level: stadtteil, name: Stadtteil, plural: Stadtteile, boundaries: stadtteile}
  - {level: teilbereich, name: Teilbereich, plural: Teilbereiche, boundaries: teilbereiche}
  - {level: stadtbezirk, name: Stadtbezirk, plural: Stadtbezirke, boundaries: stadtbezirke}
"""


class ScaleCityError(ValueError):
    """The scale city cannot be made as asked."""


def source(seed: int) -> str:
    return f"Synthetische Skalierungsstadt (Seed {seed})"


# --------------------------------------------------------------------------------------------
# Areas and geometry
# --------------------------------------------------------------------------------------------


def grid_areas(n: int, seed: int) -> gpd.GeoDataFrame:
    """n Voronoi cells of a jittered grid (code, name, teilbereich, stadtbezirk, geometry)."""
    if n < 4:
        raise ScaleCityError("Eine Skalierungsstadt braucht mindestens 4 Gebiete.")
    rng = np.random.default_rng([seed, zlib.crc32(b"grid")])
    cols = int(np.ceil(np.sqrt(n)))
    step = SIDE / cols
    idx = np.arange(n)
    row, col = idx // cols, idx % cols
    x = ORIGIN[0] + (col + 0.5 + rng.uniform(-0.35, 0.35, n)) * step
    y = ORIGIN[1] + (row + 0.5 + rng.uniform(-0.35, 0.35, n)) * step
    # Round the seeds, then the Voronoi vertices, so the cells share edges exactly after writing.
    points = shapely.points(np.round(x, 2), np.round(y, 2))
    frame = shapely.box(ORIGIN[0], ORIGIN[1], ORIGIN[0] + SIDE, ORIGIN[1] + (row.max() + 1) * step)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame))
    order = shapely.STRtree(cells).query(points, predicate="within")  # (point index, cell index)
    by_point = np.empty(n, dtype=int)
    by_point[order[0]] = order[1]
    geoms = shapely.set_precision(shapely.intersection(cells[by_point], frame), 0.01)
    tb_row, tb_col = row // 3, col // 3
    tb_cols = int(np.ceil(cols / 3))
    teilbereich = tb_row * tb_cols + tb_col + 1
    merge = max(2, round(np.sqrt(teilbereich.max() / 10)))
    sb_cols = int(np.ceil(tb_cols / merge))
    stadtbezirk = (tb_row // merge) * sb_cols + tb_col // merge + 1
    width = len(str(n))
    codes = [str(10 ** width + i + 1) for i in idx]  # 1001.. : fixed width, sorts as text and as number
    return gpd.GeoDataFrame({
        "code": codes,
        "name": [f"Gebiet {c}" for c in codes],
        "teilbereich": _dense(teilbereich),
        "stadtbezirk": _dense(stadtbezirk),
    }, geometry=list(geoms), crs=CRS)


def _dense(labels: np.ndarray) -> list[str]:
    """Block numbers renumbered 1.. in order of first use (the ragged last grid row leaves gaps)."""
    seen: dict[int, str] = {}
    return [seen.setdefault(int(v), str(len(seen) + 1)) for v in labels]


def muenster_cells(repo_data: Path) -> gpd.GeoDataFrame:
    """The real Stadtzellen as small areas, in their Stadtteil's Teilbereich and Stadtbezirk."""
    path = Path(repo_data) / "geo" / "stadtzellen.geojson"
    if not path.exists():
        raise ScaleCityError(f"{path} fehlt – bitte `make data SRC=../shared/data/muenster` ausführen.")
    from helpers.sources.muenster.hierarchy import stadtbezirk_of, teilbereich_of

    gdf = gpd.read_file(path)
    gdf["code"] = gdf["code"].astype(str)
    gdf["teilbereich"] = gdf["stadtteil"].map(teilbereich_of)
    gdf["stadtbezirk"] = gdf["stadtteil"].map(stadtbezirk_of)
    gdf["name"] = gdf["name"].astype(str)
    return gdf[["code", "name", "teilbereich", "stadtbezirk", "geometry"]].sort_values("code").reset_index(drop=True)


def area_table(small: gpd.GeoDataFrame) -> pd.DataFrame:
    """areas.csv of the scale city: small areas as 'stadtteil', then Teilbereiche, Stadtbezirke, city."""
    rows = [dict(level="stadtteil", code=r.code, name=r.name, parent_level="teilbereich", parent_code=r.teilbereich)
            for r in small.itertuples(index=False)]
    tb = small.drop_duplicates("teilbereich").sort_values("teilbereich", key=lambda s: s.astype(int))
    rows += [dict(level="teilbereich", code=r.teilbereich, name=f"Teilbereich {r.teilbereich}",
                  parent_level="stadtbezirk", parent_code=r.stadtbezirk) for r in tb.itertuples(index=False)]
    if (small.groupby("teilbereich")["stadtbezirk"].nunique() > 1).any():
        raise ScaleCityError("Ein Teilbereich liegt in mehreren Stadtbezirken.")
    sb = sorted(small["stadtbezirk"].unique(), key=int)
    rows += [dict(level="stadtbezirk", code=c, name=f"Bezirk {c}", parent_level="stadt", parent_code=CITY_CODE)
             for c in sb]
    rows.append(dict(level="stadt", code=CITY_CODE, name=CITY_NAME, parent_level="", parent_code=""))
    table = pd.DataFrame(rows)
    table["aliases"] = ""
    return table


def layers(small: gpd.GeoDataFrame, table: pd.DataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Boundaries per level; Teilbereiche and Stadtbezirke dissolved from the small areas."""
    names = table.set_index(["level", "code"])["name"]
    out = {"stadtteil": small[["code", "name", "geometry"]]}
    for level in ("teilbereich", "stadtbezirk"):
        d = small.dissolve(by=level, as_index=False)[[level, "geometry"]].rename(columns={level: "code"})
        d["name"] = [names[(level, c)] for c in d["code"]]
        out[level] = d[["code", "name", "geometry"]].sort_values("code", key=lambda s: s.astype(int))
    return out


# --------------------------------------------------------------------------------------------
# Counts of the measures that are real in Münster
# --------------------------------------------------------------------------------------------


def _smooth_field(small: gpd.GeoDataFrame, rng: np.random.Generator) -> np.ndarray:
    """A spatially smooth standard-normal-ish field over the areas (a few random waves + noise)."""
    c = small.geometry.representative_point()
    x = (c.x.to_numpy() - ORIGIN[0]) / SIDE
    y = (c.y.to_numpy() - ORIGIN[1]) / SIDE
    field = np.zeros(len(small))
    for _ in range(4):
        kx, ky, phase = rng.uniform(1, 4), rng.uniform(1, 4), rng.uniform(0, 2 * np.pi)
        field += np.sin(2 * np.pi * (kx * x + ky * y) / 2 + phase)
    field += rng.normal(0, 0.6, len(small))
    return (field - field.mean()) / field.std()


def atoms(small: gpd.GeoDataFrame, years: range, seed: int, mean_population: float) -> dict[str, np.ndarray]:
    """Population atoms (year x area) per 'sex|origin', plus per-area covariates for unemployment."""
    rng = np.random.default_rng([seed, zlib.crc32(b"population")])
    n, t = len(small), np.arange(len(years))[:, None]
    z = _smooth_field(small, rng)
    base = mean_population * np.exp(rng.normal(-0.18, 0.6, n))
    total = np.round(base[None, :] * (1.004 ** t) * np.exp(rng.normal(0, 0.01, (len(years), n)))).astype(np.int64)
    total = np.maximum(total, 20)
    mig_share = np.clip(1 / (1 + np.exp(-(-1.35 + 0.45 * z + 0.02 * t))), 0.03, 0.8)
    left = total.copy()
    out: dict[str, np.ndarray] = {}
    shares = {"foreign": 0.42, "expellee": 0.10, "resettler": 0.16, "naturalised_other": 0.10}
    mig = rng.binomial(total, mig_share)
    rest = mig.copy()
    remaining = 1.0
    by_origin: dict[str, np.ndarray] = {}
    for origin, share in shares.items():
        part = rng.binomial(rest, min(1.0, share / remaining))
        by_origin[origin], rest, remaining = part, rest - part, remaining - share
    by_origin["german_mig_inherited"] = rest
    by_origin["no_migration"] = left - mig
    for origin in ORIGIN_ATOMS:
        female = rng.binomial(by_origin[origin], 0.505 if origin == "no_migration" else 0.49)
        out[f"female|{origin}"], out[f"male|{origin}"] = female, by_origin[origin] - female
    out["_z"] = np.broadcast_to(z, total.shape).copy()
    out["_mig_share"] = mig / np.maximum(total, 1)
    return out


def employed(a: dict[str, np.ndarray], seed: int) -> dict[tuple[str, str, str, str], np.ndarray]:
    """Employees subject to social insurance (employed_svb) as the real Stadtteil data hold them: by nationality,
    sex and under 25; a stream of their own, so the other measures' draws stay as they were."""
    rng = np.random.default_rng([seed, zlib.crc32(b"employed")])
    foreign = a["female|foreign"] + a["male|foreign"]
    everyone = sum(a[f"{s}|{o}"] for s in ("female", "male") for o in ORIGIN_ATOMS)
    rate = np.clip(1 / (1 + np.exp(-(-0.55 - 0.25 * a["_z"] + rng.normal(0, 0.1, everyone.shape)))), 0.1, 0.6)
    by_origin = {"foreign": rng.binomial(foreign, rate * 0.85), "german": rng.binomial(everyone - foreign, rate)}
    total = by_origin["foreign"] + by_origin["german"]
    female = rng.binomial(total, 0.48)
    return {
        ("employed_svb", "total", "total", "total"): total,
        ("employed_svb", "female", "total", "total"): female,
        ("employed_svb", "male", "total", "total"): total - female,
        **{("employed_svb", "total", o, "total"): v for o, v in by_origin.items()},
        ("employed_svb", "total", "total", "0-24"): rng.binomial(total, 0.1),
    }


def _age_weight(age: str) -> float:
    """A plausible weight of an age group (its width, fewer people at higher ages): '0-9', '90+'."""
    low, _, high = age.rstrip("+").partition("-")
    width = int(high) - int(low) + 1 if high else 10
    return width * float(np.exp(-int(low) / 45))


def age_atoms(a: dict[str, np.ndarray], ages: list[str], seed: int) -> dict[str, np.ndarray]:
    """Every population atom ('sex|origin') split into the age groups `ages` (which tile all ages, as
    the real tables "in 10 Altersgruppen" do): 'sex|origin|age' -> year x area. A stream of its own,
    so the other counts stay as they were."""
    if not ages:
        return {}
    rng = np.random.default_rng([seed, zlib.crc32(b"age")])
    weights = np.array([_age_weight(age) for age in ages])
    out = {}
    for key in sorted(k for k in a if not k.startswith("_")):
        split = rng.multinomial(a[key], weights / weights.sum())
        out.update({f"{key}|{age}": split[..., i] for i, age in enumerate(ages)})
    return out


def real_type_observations(small: gpd.GeoDataFrame, years: range, seed: int, mean_population: float,
                           terms: pd.DataFrame) -> pd.DataFrame:
    """Every (measure, sex, origin, age) the committed sms.csv holds, per small area and year.

    Stored with synthetic=False for now: helpers.sources.demo.synthetic ties its rates to the
    non-synthetic rows it is given. `write_city` marks everything synthetic before writing.
    """
    a = atoms(small, years, seed, mean_population)
    rng = np.random.default_rng([seed, zlib.crc32(b"unemployed")])

    ages = sorted({str(age) for age in terms.loc[(terms["measure"] == "population") & (terms["age"] != "total"), "age"]},
                  key=lambda age: int(age.rstrip("+").partition("-")[0]))
    by_age = age_atoms(a, ages, seed)

    def pop(sex: str, origin: str, age: str = "total") -> np.ndarray:
        sexes = ("male", "female") if sex == "total" else (sex,)
        suffix = "" if age == "total" else f"|{age}"
        atoms_ = a if age == "total" else by_age
        return sum(atoms_[f"{s}|{o}{suffix}"] for s in sexes for o in ORIGIN_SUMS[origin])

    t = np.arange(len(years))[:, None]
    total = pop("total", "total")
    rate = np.clip(1 / (1 + np.exp(-(-3.2 + 0.35 * a["_z"] - 0.03 * t + rng.normal(0, 0.1, total.shape)))), 0.005, 0.3)
    alo = rng.binomial(np.round(total * 0.67).astype(np.int64), rate)
    alo_female = rng.binomial(alo, 0.45)
    sgb2 = rng.binomial(alo, 0.7)
    unemployed = {
        ("unemployed", "total", "total"): alo,
        ("unemployed", "female", "total"): alo_female,
        ("unemployed", "male", "total"): alo - alo_female,
        ("unemployed", "total", "foreign"): rng.binomial(alo, np.clip(a["_mig_share"] * 0.9, 0, 0.9)),
        ("unemployed_longterm", "total", "total"): rng.binomial(alo, 0.36),
        ("unemployed_under25", "total", "total"): rng.binomial(alo, 0.09),
        ("unemployed_55plus", "total", "total"): rng.binomial(alo, 0.18),
        ("unemployed_sgb2", "total", "total"): sgb2,
        ("unemployed_sgb3", "total", "total"): alo - sgb2,
        ("households", "total", "migration"): np.round(pop("total", "migration") / 2.3).astype(np.int64),
        **household_counts(total, pop("total", "foreign"), seed),
    }
    aged = employed(a, seed)
    frames = []
    codes = small["code"].tolist()
    for row in terms.itertuples(index=False):
        if (row.measure, row.sex, row.origin, row.age) in aged:
            values = aged[(row.measure, row.sex, row.origin, row.age)]
        elif row.age != "total" and row.measure != "population":
            raise ScaleCityError(f"{row.measure}: Altersgruppe {row.age!r} ist im Skalierungsmodell nicht vorgesehen.")
        elif row.measure == "population":
            if row.origin not in ORIGIN_SUMS:
                raise ScaleCityError(f"population/{row.origin}: Herkunft im Skalierungsmodell nicht vorgesehen.")
            values = pop(row.sex, row.origin, row.age)
        elif (row.measure, row.sex, row.origin) in unemployed:
            values = unemployed[(row.measure, row.sex, row.origin)]
        else:
            raise ScaleCityError(f"{row.measure}/{row.sex}/{row.origin}: im Skalierungsmodell nicht vorgesehen.")
        frames.append(pd.DataFrame({
            "year": np.repeat(list(years), len(codes)), "area_level": "stadtteil",
            "area_code": np.tile(codes, len(years)), "measure": row.measure, "sex": row.sex,
            "origin": row.origin, "age": row.age, "value": np.asarray(values).reshape(-1),
        }))
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].astype("Int64")
    out["flag"], out["synthetic"], out["source"] = "", False, source(seed)
    return out[model.OBSERVATION_COLUMNS]


#: Shares of the households with 1, 2, 3, 4, 5 and more persons (about Münster's in 2014).
HOUSEHOLD_SIZES = {"households_size1": 0.53, "households_size2": 0.27, "households_size3": 0.09,
                   "households_size4": 0.07, "households_size5plus": 0.04}


def household_counts(population: np.ndarray, foreign: np.ndarray, seed: int) -> dict[tuple[str, str, str], np.ndarray]:
    """All households (about 1.8 persons each) by size, with children and single parents, and the foreigners
    born in Germany: drawn on a stream of their own, so the other counts stay as they were."""
    rng = np.random.default_rng([seed, zlib.crc32(b"households")])
    households = np.round(population / 1.8).astype(np.int64)
    sizes = rng.multinomial(households, list(HOUSEHOLD_SIZES.values()))
    children = rng.binomial(households - sizes[..., 0], 0.35)
    counts = {("households", "total", "total"): households,
              ("households_children", "total", "total"): children,
              ("households_single_parent", "total", "total"): rng.binomial(children, 0.22),
              ("population_born_in_germany", "total", "foreign"): rng.binomial(foreign, 0.15)}
    counts.update({(measure, "total", "total"): sizes[..., i] for i, measure in enumerate(HOUSEHOLD_SIZES)})
    return counts


#: The council election whose counts are real in Münster (per ward, Stadtbezirk and city; one election).
ELECTION_YEAR = 2009


def election_observations(small: gpd.GeoDataFrame, real: pd.DataFrame, years: range, seed: int) -> pd.DataFrame:
    """Council-election counts per Stadtbezirk and for the city in ELECTION_YEAR, if it is among `years`:
    about three quarters of the residents eligible, a turnout near 58 %. The scale city has no wards."""
    pop = real[(real["measure"] == "population") & (real["sex"] == "total") & (real["origin"] == "total")
               & (real["year"] == ELECTION_YEAR)]
    if pop.empty:
        return pd.DataFrame(columns=model.OBSERVATION_COLUMNS)
    per_bezirk = pop["value"].groupby(pop["area_code"].map(small.set_index("code")["stadtbezirk"])).sum()
    per_bezirk = per_bezirk.sort_index(key=lambda s: s.astype(int))
    electorate = np.round(per_bezirk.to_numpy(dtype=float) * 0.74).astype(np.int64)
    voters = np.random.default_rng([seed, zlib.crc32(b"council")]).binomial(electorate, 0.58)
    codes = [*per_bezirk.index, CITY_CODE]
    frames = [pd.DataFrame({"year": ELECTION_YEAR, "area_level": ["stadtbezirk"] * len(per_bezirk) + ["stadt"],
                            "area_code": codes, "measure": measure, "sex": "total", "origin": "total", "age": "total",
                            "value": [*counts, counts.sum()]})
              for measure, counts in (("council_electorate", electorate), ("council_voters", voters))]
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].astype("Int64")
    out["flag"], out["synthetic"], out["source"] = "", False, source(seed)
    return out[model.OBSERVATION_COLUMNS]


def real_terms(repo_data: Path) -> pd.DataFrame:
    """The terms Münster has real Stadtteil data for (what chapters may read besides indicators)."""
    sms = pd.read_csv(Path(repo_data) / "observations" / "sms.csv", dtype=str, keep_default_na=False,
                      usecols=["area_level", "measure", "sex", "origin", "age"])
    sms = sms[sms["area_level"] == "stadtteil"]
    return sms[["measure", "sex", "origin", "age"]].drop_duplicates().sort_values(["measure", "sex", "origin", "age"])


# --------------------------------------------------------------------------------------------
# The measures that are synthetic in Münster: helpers.sources.demo.synthetic, pointed at this city
# --------------------------------------------------------------------------------------------


def _synthetic_measures(table: pd.DataFrame, years: range, seed: int, real: pd.DataFrame) -> pd.DataFrame:
    """The measures that are synthetic in Münster, made by the demo generator for this city's areas."""
    from helpers.sources.demo import synthetic

    params = dataclasses.replace(synthetic.PARAMETERS, years=tuple(years), seed=seed)
    try:
        return synthetic.generate(catalogue.load(paths.CATALOGUE_YAML), real, params=params, source=source(seed),
                                  area_table=table)
    except synthetic.SyntheticDataError as err:  # e.g. survey years outside `years`
        raise ScaleCityError(f"{err} (die Jahre müssen alle Erhebungsjahre des Katalogs enthalten)") from None


# --------------------------------------------------------------------------------------------
# Writing a data root
# --------------------------------------------------------------------------------------------


def write_city(root: Path, n_areas: int, years: range = range(2005, 2015), seed: int = SEED,
               cells: str | None = None) -> Path:
    """Write a complete root for a synthetic city of n_areas small areas, in the shape every city has:
    config/monitoring.yml (the shared settings, naming this city the default), config/<NAME>/ (its levels;
    Münster's chapters), data/<NAME>/, notebooks/<NAME>/ (Münster's chapters).

    `cells="muenster"` uses the 174 real Stadtzellen (n_areas must then be 174).
    Returns `root`; build with IM_CONTEXT='{"root": "<root>"}' python -m helpers.runner.
    """
    root = Path(root)
    if cells == "muenster":
        small = muenster_cells(paths.DATA)
        if n_areas != len(small):
            raise ScaleCityError(f"cells='muenster' hat {len(small)} Gebiete, nicht {n_areas}.")
        mean_population = MEAN_POPULATION["muenster"]
    elif cells is None:
        small = grid_areas(n_areas, seed)
        mean_population = MEAN_POPULATION["grid"]
    else:
        raise ScaleCityError(f"cells={cells!r}: möglich sind None (Raster) oder 'muenster'.")
    data_dir = root / "data" / NAME
    (data_dir / "geo").mkdir(parents=True, exist_ok=True)
    (data_dir / "observations").mkdir(parents=True, exist_ok=True)
    table = area_table(small)
    write_atomic(data_dir / "areas.csv", lambda p: table.to_csv(p, index=False))
    for level, gdf in layers(small, table).items():
        write_geojson(gpd.GeoDataFrame(gdf, crs=CRS), data_dir / "geo" / f"{GEO_LAYERS[level]}.geojson",
                       GEO_LAYERS[level])
    shutil.copyfile(paths.CATALOGUE_YAML, data_dir / "catalogue.yml")
    (root / "config" / NAME).mkdir(parents=True, exist_ok=True)
    shared = re.sub(r"(?m)^city:.*$", f"city: {NAME}", paths.SHARED_CONFIG_YAML.read_text(encoding="utf-8"))
    write_atomic(root / "config" / "monitoring.yml", lambda p: p.write_text(shared, encoding="utf-8"))
    shutil.copyfile(paths.CONFIG_YAML, root / "config" / NAME / "monitoring.yml")
    write_atomic(root / "config" / NAME / "city.yml", lambda p: p.write_text(CITY_YAML, encoding="utf-8"))
    real = real_type_observations(small, years, seed, mean_population, real_terms(paths.DATA))
    made = _synthetic_measures(table, years, seed, real)
    obs = pd.concat([real, made, election_observations(small, real, years, seed)], ignore_index=True)
    obs["synthetic"], obs["source"] = True, source(seed)
    obs = obs.sort_values(["measure", "year", "area_level", "area_code", "sex", "origin", "age"], kind="stable")
    obs = model.OBSERVATIONS.validate(obs.reset_index(drop=True))
    write_atomic(data_dir / "observations" / "synthetic.csv", lambda p: obs.to_csv(p, index=False))
    notebooks = root / "notebooks" / NAME
    shutil.rmtree(notebooks, ignore_errors=True)
    shutil.copytree(paths.NOTEBOOKS, notebooks, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "explore"))
    return root


def main(argv: list[str] | None = None) -> int:
    parser = arguments.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="Zielordner (wird angelegt)")
    parser.add_argument("--areas", type=int, default=1000, help="Zahl der kleinen Gebiete (Standard 1000)")
    parser.add_argument("--cells", choices=["muenster"], default=None, help="die 174 Stadtzellen aus data/muenster/geo/ verwenden")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--first-year", type=int, default=2005)
    parser.add_argument("--last-year", type=int, default=2014)
    args = parser.parse_args(argv)
    try:
        write_city(args.root, args.areas, range(args.first_year, args.last_year + 1), args.seed, args.cells)
    except ScaleCityError as err:
        print(f"Fehler: {err}")
        return 1
    print(f"Synthetische Skalierungsstadt ({args.areas} Gebiete, Seed {args.seed}) -> {args.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
