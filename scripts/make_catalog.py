#!/usr/bin/env python3
"""Generate edgesim's PoP catalogs: the built-in one, scenarios/data/pops.csv,
and the larger "global" one, scenarios/data/pops-global.csv.

Usage:
    pip install -r scripts/requirements.txt
    python3 scripts/make_catalog.py                     # (re)write scenarios/data/pops.csv
    python3 scripts/make_catalog.py --check             # exit 1 if the file is stale
    python3 scripts/make_catalog.py --catalog global    # (re)write scenarios/data/pops-global.csv
    python3 scripts/make_catalog.py --catalog all --check   # check both
    python3 scripts/make_catalog.py --out F             # write somewhere else

Catalogs (--catalog, default "builtin"):
  * builtin: the codes of POPS below (309 PoPs), the catalog scenarios use
    by default (`[topology] catalog = "builtin"`).
  * global: every code of POPS plus those of GLOBAL_EXTRA (regional metros
    of every region, 260 more: 569 PoPs), for the seed's Stage 4 ("500+
    PoPs"); scenarios select it with `[topology] catalog = "global"`. A
    builtin code has the same row in both files.

Data source: the `airportsdata` package, pinned to airportsdata==20260905
(also pinned in scripts/requirements.txt). The script refuses to run against
another version unless --allow-other-version is given, because another
release may move an airport's coordinates and so change the output.

What is typed by hand here, and only this:
  * the list of PoP codes (IATA airport codes), grouped by region and tier:
    a footprint modelled on a large CDN's list of PoP cities, i.e. the main
    airport of each major metro (one airport per metro, except where a metro
    is big enough that real networks run several sites);
  * the tier of each code, which gives its demand weight (see TIER_WEIGHT);
  * the country -> region table (see COUNTRY_REGION).
Coordinates, city and country always come from airportsdata.

Region is derived from the country, never from the group a code is listed
under; the grouping below is for reading, and the script fails if a code is
listed under a region its country does not map to. Choices worth noting:
  * NA  = United States (incl. Puerto Rico, Hawaii, Alaska), Canada, Mexico.
  * EU  = Europe incl. the UK, Ireland, Iceland, Cyprus and Malta; Turkey
          (Istanbul is run as a European interconnection hub); Russia (all of
          it, so Novosibirsk too); Ukraine, Belarus, Moldova; and the
          Caucasus (Georgia, Armenia, Azerbaijan), which large CDNs list
          with Europe.
  * APAC = Asia (East, South-East, South and Central Asia) and Oceania.
  * ROW = Latin America and the Caribbean, the Middle East, Africa.

Weight: a relative demand weight from the code's tier:
    tier 1 (major global metro / interconnection hub) = 3.0
    tier 2 (large metro, national capital hub)        = 1.5
    tier 3 (regional metro)                           = 0.5
    tier 4 (smaller regional metro, global only)      = 0.25
Weights are written with at most 3 decimals.

City: airportsdata's `city` field. The CSV has no quoting, so a city holding
a comma (e.g. "Arnavutköy, Istanbul") is cut to its last comma-separated part
("Istanbul"), unless that part names an island ("Medan, Sumatra Island"),
when the first part is kept ("Medan"); a field that would still hold a comma, a quote or a line break
is an error.

Output: header `code,city,country,region,lat,lon,weight`; lat/lon in decimal
degrees with 4 decimals; rows sorted by region (NA, EU, APAC, ROW) then code;
UTF-8, '\\n' line ends. The output depends only on the lists below and the
airportsdata release, so two runs give the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PINNED_AIRPORTSDATA = "20260905"

REGIONS = ("NA", "EU", "APAC", "ROW")

TIER_WEIGHT = {1: 3.0, 2: 1.5, 3: 0.5, 4: 0.25}

# PoP codes: region -> tier -> codes. Alphabetical within a tier.
# Current codes are used where an airport was renamed or replaced: Chisinau is
# RMO (was KIV until 2023) and Phnom Penh is KTI (Techo International, which
# replaced PNH in 2025); airportsdata 20260905 no longer has KIV or PNH.
POPS: dict[str, dict[int, str]] = {
    "NA": {
        1: "ATL DFW IAD JFK LAX MIA ORD SEA SJC",
        2: """AUS BNA BOS CLT DEN DTW EWR IAH LAS MEX MSP PDX PHL PHX SAN SFO SLC
              YUL YVR YYZ""",
        3: """ABQ ALB ANC BDL BHM BOI BUF BWI CHS CLE CMH CUN CVG DSM ELP GDL GRR
              GSP HNL ICT IND JAX LIT MCI MCO MEM MKE MSN MSY MTY OKC OMA ORF PIT
              PVD QRO RDU RIC ROC SAT SAV SDF SJU SMF STL SYR TIJ TPA TUL TUS
              YEG YHZ YOW YQB YWG YYC""",
    },
    "EU": {
        1: "AMS CDG FRA LHR",
        2: """ARN BCN BER BRU CPH DUB DUS HAM HEL IST LIS MAD MAN MUC MXP OSL PRG
              SVO VIE WAW ZRH""",
        3: """AGP ATH BEG BFS BHX BLQ BOD BRS BSL BTS BUD CGN CLJ EDI EVN GDN GLA
              GOT GVA GYD HAJ KBP KEF KRK KTW KZN LCA LED LEJ LJU LUX LYS MLA
              MRS MSQ NAP NCE NCL NTE NUE OPO OTP OVB POZ RIX RMO SKG SKP SOF STR
              SVX TBS TIA TLL TLS TRN VCE VLC VNO WRO ZAG""",
    },
    "APAC": {
        1: "HKG NRT SIN SYD",
        2: """AKL BKK BLR BOM CAN CGK DEL ICN KIX KUL MAA MEL MNL PEK PVG SZX TPE""",
        3: """ADL ALA AMD BNE CBR CCU CEB CHC CKG CMB CNX CSX CTS CTU DAC DAD DPS
              FUK GUM HAN HGH HKT HYD ISB JHB KHI KMG KTI KTM LHE MFM MLE NAN NGO
              NKG NOU OKA PEN PER PNQ PUS RGN SGN SUB TAO TAS ULN VTE WLG WUH XIY
              XMN""",
    },
    "ROW": {
        1: "GRU",
        2: "BOG DXB EZE JNB LIM SCL",
        3: """ABJ ABV ACC ADD ALG AMM ASU AUH BAH BEL BEY BSB CAI CCS CMN CNF CPT
              CWB DAR DKR DMM DOH DUR EBB FOR GIG GUA GYE HRE JED KGL KIN KWI LAD
              LOS LPB LUN MBA MCT MDE MGA MPM MRU MVD NBO POA POS PTY REC RUH SAL
              SDQ SJO SSA TGU TLV TUN UIO""",
    },
}

# The global catalog's codes beyond POPS: region -> tier -> codes, the main
# airport of regional metros (one per metro; none shares a metro with a code
# of POPS). Tier 3 for metros of roughly a million people or more, tier 4 for
# smaller ones that cover a wide area (Alaska, the Yukon, Patagonia...).
# Rome (FCO) is tier 2: a national capital the built-in list lacks.
GLOBAL_EXTRA: dict[str, dict[int, str]] = {
    "NA": {
        3: """ABE AGU BJX BTR CAE CHA CJS COS CUL CUU DAY FAT GEG GSO HMO HSV LEX
              MDT MFE MID MXL PBC PBI RNO RSW SLP SRQ TOL TRC TYS VER XNA YHM
              YQR YXE YXU YYJ""",
        4: """AMA BIL BTV CRP EUG FAR FSD FWA JAN LAN LBB LNK LRD MAF MHT MOB OAX
              OGG PNS PSE PVR PWM SGF SHV SJD TLH YLW YQM YQT YXY""",
    },
    "EU": {
        2: "FCO",
        3: """ADA ADB AER ALC AYT BGO BIO BRE BRI BRQ CTA CWL DRS DTM EMA ESB FLR
              GOA GOJ HRK IKT KJA KRR KUF LBA LCJ LIL LPL LWO MMX MPL ODS PMI
              PMO ROV SVQ SXB UFA VRN VVO""",
        4: """ABZ CAG DEB EIN GRZ HER INN KGD KSC LPA ORK OSR OUL PSA RZE SCQ SPU
              SVG SZG TMP TRD TRS TZX VAR""",
    },
    "APAC": {
        3: """BBI BHO CGO CGP CGQ CJB COK DLC DVO FOC GAU HAK HFE HIJ HPH HRB IDR
              IXC JAI KHH KHN KNO KWE KWJ LHW LKO LYP MDL MUX NAG NGB NNG NQZ OOL
              PAT PEW PLM RMQ SDJ SHE SJW SRG TAE TNA TRV TSN TYN UPG URC VNS
              VTZ""",
        4: "ASB BKI BWN CJU CNS DIL DRW DYU HBA KCH KMJ KOJ POM PPT",
    },
    "ROW": {
        3: """AQP BAQ BGW BSR CGB CLO COR CTG DLA EBL FIH FLN GYN HAV HBE JPA KAN
              MAO MAR MCZ MDZ MED NAT NSI ORN PHC PLZ RAK RBA ROS SLZ STI TNG TUC
              VCP VIX VLN VVI""",
        4: """AJU ANF BGI BKO BZE CBB CCP CGR CKY COO CUE CUR CUZ GBE GEO HFA LLW
              MBJ NAS OUA PAP RUN SAP TNR WDH""",
    },
}

# ISO 3166-1 alpha-2 country -> region. Every country of a listed PoP must be
# here; the table also covers a few neighbours so that adding codes is easy.
_REGION_COUNTRIES = {
    "NA": "US CA MX PR",
    "EU": """AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT
             LT LU LV MD ME MK MT NL NO PL PT RO RS RU SE SI SK TR UA
             AM AZ GE""",
    "APAC": """AU BD BN BT CN FJ GU HK ID IN JP KG KH KR KZ LA LK MM MN MO MV MY
               NC NP NZ PF PG PH PK SG TH TJ TL TM TW UZ VN""",
    "ROW": """AR BB BO BR BS BZ CL CO CR CU CW DO EC GT GY HN HT JM NI PA PE PY
              SR SV TT UY VE
              AE BH IL IQ JO KW LB OM PS QA SA SY YE
              AO BJ BW CD CI CM DZ EG ET GA GH GM KE LY MA MG MU MZ NA NE NG RE
              RW SD SN TG TN TZ UG ZA ZM ZW
              BF GN ML MW""",
}
COUNTRY_REGION: dict[str, str] = {
    cc: region for region, ccs in _REGION_COUNTRIES.items() for cc in ccs.split()
}

HEADER = "code,city,country,region,lat,lon,weight"


class CatalogBuildError(Exception):
    """A problem that must stop the build (missing code, unknown country...)."""


def listed_codes(lists: list[dict[str, dict[int, str]]]) -> list[tuple[str, str, int]]:
    """(code, listed region, tier) for every code of `lists`; fails on duplicates."""
    seen: dict[str, str] = {}
    out = []
    for region, tiers in (item for pops in lists for item in pops.items()):
        if region not in REGIONS:
            raise CatalogBuildError(f"unknown region {region!r} in POPS")
        for tier, codes in tiers.items():
            if tier not in TIER_WEIGHT:
                raise CatalogBuildError(f"unknown tier {tier!r} in POPS[{region!r}]")
            for code in codes.split():
                if len(code) != 3 or not code.isascii() or not code.isalpha() or not code.isupper():
                    raise CatalogBuildError(f"bad IATA code {code!r} in POPS[{region!r}][{tier}]")
                if code in seen:
                    raise CatalogBuildError(f"code {code} listed twice ({seen[code]} and {region} tier {tier})")
                seen[code] = f"{region} tier {tier}"
                out.append((code, region, tier))
    return out


def clean_city(code: str, city: str) -> str:
    city = city.strip()
    if "," in city:
        parts = [part.strip() for part in city.split(",")]
        city = parts[0] if parts[-1].endswith(" Island") else parts[-1]
    if not city or any(ch in city for ch in ',"\r\n'):
        raise CatalogBuildError(f"{code}: city {city!r} cannot be written unquoted")
    return city


def fmt_coord(value: float) -> str:
    text = f"{value:.4f}"
    return "0.0000" if text == "-0.0000" else text


def fmt_weight(value: float) -> str:
    text = f"{value:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def build_rows(airports: dict, lists: list[dict[str, dict[int, str]]]) -> list[tuple[str, ...]]:
    errors = []
    rows = []
    for code, listed_region, tier in listed_codes(lists):
        ap = airports.get(code)
        if ap is None:
            errors.append(f"{code}: not in airportsdata (IATA)")
            continue
        country = ap["country"]
        region = COUNTRY_REGION.get(country)
        if region is None:
            errors.append(f"{code}: country {country!r} has no region in COUNTRY_REGION")
            continue
        if region != listed_region:
            errors.append(f"{code}: listed under {listed_region} but its country {country} maps to {region}")
            continue
        lat, lon = float(ap["lat"]), float(ap["lon"])
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            errors.append(f"{code}: coordinates out of range ({lat}, {lon})")
            continue
        try:
            city = clean_city(code, ap["city"])
        except CatalogBuildError as e:
            errors.append(str(e))
            continue
        rows.append((code, city, country, region, fmt_coord(lat), fmt_coord(lon), fmt_weight(TIER_WEIGHT[tier])))
    if errors:
        raise CatalogBuildError("catalog build failed:\n  " + "\n  ".join(errors))
    rows.sort(key=lambda r: (REGIONS.index(r[3]), r[0]))
    return rows


def render(rows: list[tuple[str, ...]]) -> str:
    return "\n".join([HEADER] + [",".join(r) for r in rows]) + "\n"


def count_regions(rows: list[tuple[str, ...]]) -> dict[str, int]:
    counts = {r: 0 for r in REGIONS}
    for row in rows:
        counts[row[3]] += 1
    return counts


def check_minimums(rows: list[tuple[str, ...]]) -> dict[str, int]:
    """The built-in catalog's floor: the seed's 300+ PoPs and its per-region counts."""
    counts = count_regions(rows)
    minimum = {"NA": 80, "EU": 70, "APAC": 60, "ROW": 1}
    short = [f"{r} has {counts[r]} < {m}" for r, m in minimum.items() if counts[r] < m]
    if len(rows) < 300:
        short.append(f"only {len(rows)} PoPs < 300")
    codes = {row[0] for row in rows}
    seeds = "SJC LAX ORD IAD AMS FRA LHR CDG NRT SIN SYD HKG".split()
    short += [f"seed PoP {s} missing" for s in seeds if s not in codes]
    if short:
        raise CatalogBuildError("catalog below its minimums: " + "; ".join(short))
    return counts


def check_global_minimums(rows: list[tuple[str, ...]], builtin_rows: list[tuple[str, ...]]) -> dict[str, int]:
    """The global catalog's floor: the seed's Stage 4 (500+ PoPs), at least
    200 codes beyond the built-in catalog, and every built-in row unchanged."""
    counts = count_regions(rows)
    short = [f"{r} has {counts[r]} < {n}" for r, n in count_regions(builtin_rows).items() if counts[r] < n + 40]
    if len(rows) < 500:
        short.append(f"only {len(rows)} PoPs < 500")
    if len(rows) < len(builtin_rows) + 200:
        short.append(f"only {len(rows) - len(builtin_rows)} PoPs beyond the built-in catalog < 200")
    present = set(rows)
    short += [f"built-in row {row[0]} missing or changed" for row in builtin_rows if row not in present]
    if short:
        raise CatalogBuildError("global catalog below its minimums: " + "; ".join(short))
    return counts


def build_catalog(name: str, airports: dict) -> tuple[list[tuple[str, ...]], dict[str, int]]:
    """The rows of catalog `name` ("builtin" or "global") and its region counts."""
    builtin_rows = build_rows(airports, [POPS])
    if name == "builtin":
        return builtin_rows, check_minimums(builtin_rows)
    rows = build_rows(airports, [POPS, GLOBAL_EXTRA])
    return rows, check_global_minimums(rows, builtin_rows)


# Catalog name -> its file under scenarios/data.
CATALOG_FILES = {"builtin": "pops.csv", "global": "pops-global.csv"}


def write_or_check(name: str, out: Path, check: bool, airports: dict) -> int:
    """Writes catalog `name` to `out`, or with `check` compares it; the exit code."""
    try:
        rows, counts = build_catalog(name, airports)
    except CatalogBuildError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    text = render(rows)
    summary = ", ".join(f"{r} {counts[r]}" for r in REGIONS)
    if check:
        current = out.read_bytes() if out.exists() else b""
        if current != text.encode("utf-8"):
            print(f"{out} is stale: run scripts/make_catalog.py --catalog {name}", file=sys.stderr)
            return 1
        print(f"{out} is up to date ({len(rows)} PoPs: {summary})")
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(text.encode("utf-8"))
    print(f"wrote {out}: {len(rows)} PoPs ({summary})")
    return 0


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--catalog",
        choices=[*CATALOG_FILES, "all"],
        default="builtin",
        help="which catalog to build (all: every one, to its own file)",
    )
    ap.add_argument("--out", type=Path, help="the file to write or check [scenarios/data/<the catalog's file>]")
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    ap.add_argument(
        "--allow-other-version",
        action="store_true",
        help=f"run even if airportsdata is not {PINNED_AIRPORTSDATA}",
    )
    args = ap.parse_args(argv)

    try:
        import airportsdata
    except ImportError:
        print("error: airportsdata is not installed: pip install -r scripts/requirements.txt", file=sys.stderr)
        return 2
    version = getattr(airportsdata, "__version__", "unknown")
    if version != PINNED_AIRPORTSDATA:
        msg = f"airportsdata {version} is installed, the catalog is pinned to {PINNED_AIRPORTSDATA}"
        if not args.allow_other_version:
            print(f"error: {msg} (pass --allow-other-version to go on)", file=sys.stderr)
            return 2
        print(f"warning: {msg}", file=sys.stderr)

    names = list(CATALOG_FILES) if args.catalog == "all" else [args.catalog]
    if args.out is not None and len(names) > 1:
        print("error: --out names one file: give --catalog builtin or global with it", file=sys.stderr)
        return 2
    airports = airportsdata.load("IATA")
    status = 0
    for name in names:
        out = args.out or repo / "scenarios" / "data" / CATALOG_FILES[name]
        status = max(status, write_or_check(name, out, args.check, airports))
    return status


if __name__ == "__main__":
    sys.exit(main())
