"""German number formatting for text, tables and axes (decimal comma, narrow space for thousands)."""

from __future__ import annotations

import math

import pandas as pd

NBSP = "\u00a0"  # between number and unit: "21,7 %" never breaks
THIN = "\u202f"  # thousands separator (DIN 5008): "65 205"


def number(value: float | int | None, decimals: int = 0, flag: str = "") -> str:
    """'65 205', '21,7'; a missing value shows its official symbol (default '.')."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return flag or "."
    text = f"{value:,.{decimals}f}".replace(",", THIN).replace(".", ",")
    return text + (flag if flag == "r" else "")


def with_unit(value: float | None, unit: str, decimals: int = 1, flag: str = "") -> str:
    shown = number(value, decimals, flag)
    if shown in {".", "…", "x", "-"}:
        return shown
    return f"{shown}{NBSP}{unit}" if unit else shown


def points(value: float | None, decimals: int = 1, signed: bool = True) -> str:
    """Difference in percentage points: '+3,2 Pp.' style in tables, unsigned for sentences."""
    if value is None or pd.isna(value):
        return "."
    sign = ("+" if value > 0 else ("−" if value < 0 else "±")) if signed else ""
    shown = number(abs(value) if signed else value, decimals)
    return f"{sign}{shown}{NBSP}Prozentpunkte"


def ratio(value: float | None, decimals: int = 1) -> str:
    """'2,5-fach' (tables) – the ratio of two rates."""
    if value is None or pd.isna(value):
        return "."
    return f"{number(value, decimals)}-fach"
