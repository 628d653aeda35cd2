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
    # Typographic minus; a value that rounds to zero shows no sign ("-0,0" reads as an error).
    text = text.lstrip("-") if text.strip("-0,") == "" else text.replace("-", "−")
    return text + (flag if flag in ("r", "p") else "")  # revised / provisional stay visible


def with_unit(value: float | None, unit: str, decimals: int = 1, flag: str = "") -> str:
    """'21,7 %'; a revised or provisional value keeps its mark after the unit: '21,7 % r'."""
    shown = number(value, decimals)
    if value is None or shown in {".", "…", "x", "-"} or pd.isna(value):
        return number(value, decimals, flag)
    text = f"{shown}{NBSP}{unit}" if unit else shown
    return f"{text}{NBSP}{flag}" if flag in ("r", "p") else text


def points(value: float | None, decimals: int = 1) -> str:
    """Signed difference in percentage points: '+3,2 Prozentpunkte' (sign of the shown digits)."""
    if value is None or pd.isna(value):
        return "."
    value = round(float(value), decimals)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{number(abs(value), decimals)}{NBSP}Prozentpunkte"


def ratio(value: float | None, decimals: int = 1) -> str:
    """'2,5-fach' (tables) – the ratio of two rates."""
    if value is None or pd.isna(value):
        return "."
    return f"{number(value, decimals)}-fach"
