"""Derivation of the committed demo data from public source material (run by `make data`)."""
