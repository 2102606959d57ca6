#!/usr/bin/env python3
"""Convert Natural Earth's 1:110m coastline into edgesim's compact world map
file, assets/world/coastlines-110m.txt, which the binary embeds (no network
and no file reading at run time).

Usage:
    python3 scripts/make_coastlines.py --src ne_110m_coastline.json          # (re)write the file
    python3 scripts/make_coastlines.py --src ne_110m_coastline.json --check  # exit 1 if it is stale
    python3 scripts/make_coastlines.py --src F --out G                       # write somewhere else

Data source: Natural Earth (https://www.naturalearthdata.com), 1:110m
physical vectors, "Coastline" theme (ne_110m_coastline), data version 4.0.0,
which Natural Earth places in the public domain. The GeoJSON the shipped file
was made from is the one in https://github.com/martynafford/natural-earth-geojson
(licence CC0 1.0), path 110m/physical/ne_110m_coastline.json, as of commit
0b9a6ceb0a7032713abd9460ac1e995a9c60cd1e (the file last changed in commit
90266457d82d3717e47313e72a921e31a087d2c4, "Update to version 4.0.0"); the same
data is ne_110m_coastline.geojson in github.com/nvkelso/natural-earth-vector.
Fetch it yourself and pass its path with --src: this script never touches the
network. Only the Python standard library is needed.

Conversion: every LineString (134 of them, about 5,100 points) becomes one
line of the output, its points as `lon,lat` pairs separated by spaces, each
coordinate rounded to ROUND_DECIMALS decimals (0.1 degree is about 11 km, a
third of a pixel on a 1200-pixel-wide world map). A point equal to the one
before it after rounding is dropped; a line left with fewer than two points
is dropped. A point up to 0.001 degree past the edge of the globe (the source
has 180.00000044) is clamped to it; one further out is an error. Features keep the source's order. Lines starting with `#` are
comments (the header says where the data came from). The output ends with a
line break and holds only ASCII.
"""

import argparse
import json
import sys

ROUND_DECIMALS = 1
DEFAULT_OUT = "assets/world/coastlines-110m.txt"
HEADER = [
    "# Coastlines of the world: Natural Earth 1:110m coastline (ne_110m_coastline, data version 4.0.0), public domain.",
    "# Made by scripts/make_coastlines.py: one polyline per line, points as lon,lat in degrees (east, north), 1 decimal.",
]


def fmt(x):
    """A coordinate with ROUND_DECIMALS decimals, no "-0.0"."""
    s = f"{round(x, ROUND_DECIMALS):.{ROUND_DECIMALS}f}"
    return "0.0" if s == "-0.0" else s


def convert(geojson):
    """The output text of a GeoJSON FeatureCollection of LineStrings."""
    lines = list(HEADER)
    for i, feature in enumerate(geojson["features"]):
        geom = feature["geometry"]
        if geom["type"] == "LineString":
            parts = [geom["coordinates"]]
        elif geom["type"] == "MultiLineString":
            parts = geom["coordinates"]
        else:
            raise SystemExit(f"feature {i}: expected a LineString, found {geom['type']}")
        for coords in parts:
            points = []
            for lon, lat, *_ in coords:
                if not (-180.001 <= lon <= 180.001 and -90.001 <= lat <= 90.001):
                    raise SystemExit(f"feature {i}: point {lon},{lat} is off the globe")
                lon, lat = min(max(lon, -180.0), 180.0), min(max(lat, -90.0), 90.0)
                p = f"{fmt(lon)},{fmt(lat)}"
                if not points or points[-1] != p:
                    points.append(p)
            if len(points) >= 2:
                lines.append(" ".join(points))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", required=True, help="ne_110m_coastline GeoJSON file")
    ap.add_argument("--out", default=DEFAULT_OUT, help=f"output file (default {DEFAULT_OUT})")
    ap.add_argument("--check", action="store_true", help="exit 1 if --out differs from what --src gives")
    a = ap.parse_args()
    with open(a.src, encoding="utf-8") as f:
        text = convert(json.load(f))
    if a.check:
        try:
            with open(a.out, encoding="ascii") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print(f"{a.out} is stale: run scripts/make_coastlines.py --src {a.src}", file=sys.stderr)
            return 1
        print(f"{a.out} is up to date")
        return 0
    with open(a.out, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    print(f"wrote {a.out}: {text.count(chr(10)) - len(HEADER)} polylines, {len(text)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
