#!/usr/bin/python3
"""The load script a data team typically writes: pandas + SQLAlchemy.

    /usr/bin/python3 bench/pandas_to_sql.py --url postgresql://... \
        --csv streams.csv --table streams [--schema bench_d] [--chunksize 1000]

Reads the CSV with pd.read_csv (timestamps parsed) and appends it to an
existing table with DataFrame.to_sql(method="multi", chunksize=...) through
SQLAlchemy and psycopg2, in one transaction. Prints the number of rows sent.

Run it with Debian's /usr/bin/python3 (python3-pandas, python3-sqlalchemy,
python3-psycopg2), not a pyenv interpreter without those packages.
"""

import argparse
import sys

import pandas as pd
import sqlalchemy


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True, help="postgresql:// URL")
    p.add_argument("--csv", required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--schema", default=None)
    p.add_argument("--chunksize", type=int, default=1000)
    args = p.parse_args()

    url = args.url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    elif url.startswith("postgres://"):
        url = "postgresql+psycopg2://" + url[len("postgres://"):]

    df = pd.read_csv(args.csv, parse_dates=["start_at", "end_at"])
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        df.to_sql(args.table, conn, schema=args.schema, if_exists="append",
                  index=False, method="multi", chunksize=args.chunksize)
    engine.dispose()
    print(len(df))
    return 0


if __name__ == "__main__":
    sys.exit(main())
