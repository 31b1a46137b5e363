#!/usr/bin/python3
"""The daily-lessons report as a data team typically writes it: pandas + SQLAlchemy + boto3.

    /usr/bin/python3 bench/report_pandas.py --pg postgresql://... --mysql mysql://... \
        --as-of 2024-07-01 --bucket B --key pandas/daily-lessons/2024-07-01.csv \
        --out report.csv [--days 30] [--chunksize 100000] [--group-in-mysql] \
        [--driver mysqldb|pymysql] [--users-table T] [--completions-table T]

1. reads the active users from PostgreSQL (pd.read_sql, psycopg2);
2. reads the window's completions from MySQL/MariaDB in chunks
   (pd.read_sql(..., chunksize=...)) and counts each chunk by (user, day), then
   adds the chunks' counts up; with --group-in-mysql the GROUP BY runs in MariaDB
   instead and the chunks are only concatenated;
3. left-merges the active users with the counts (a user without lessons keeps
   one row, 0 and an empty date), sorts by user and day, writes the CSV;
4. uploads it with boto3 (upload_file) and presigns a GET for a day.

Prints the s3:// URI and the presigned URL, like `sluice report run`.
Run it with Debian's /usr/bin/python3 (python3-pandas, python3-sqlalchemy,
python3-psycopg2, python3-boto3, python3-mysqldb or python3-pymysql).
boto3 1.26 ignores AWS_ENDPOINT_URL, so the endpoint is passed explicitly.
"""

import argparse
import datetime
import os
import sys

import boto3
import pandas as pd
import sqlalchemy


def engine_url(url, driver):
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return "postgresql+psycopg2://" + rest
    if scheme in ("mysql", "mariadb"):
        return f"mysql+{driver}://{rest}"
    raise SystemExit(f"unsupported URL scheme {scheme!r}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pg", default=os.environ.get("SLUICE_PG_URL"))
    p.add_argument("--mysql", default=os.environ.get("SLUICE_MYSQL_URL"))
    p.add_argument("--users-table", default="mindtickle_users")
    p.add_argument("--completions-table", default="lesson_completion")
    p.add_argument("--as-of", default=datetime.datetime.utcnow().date().isoformat())
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--bucket", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--out", required=True, help="local CSV file")
    p.add_argument("--chunksize", type=int, default=100000)
    p.add_argument("--group-in-mysql", action="store_true")
    p.add_argument("--driver", default="mysqldb", choices=["mysqldb", "pymysql"])
    p.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"))
    args = p.parse_args()
    if not args.pg or not args.mysql:
        raise SystemExit("pass --pg and --mysql (or set SLUICE_PG_URL and SLUICE_MYSQL_URL)")

    as_of = datetime.date.fromisoformat(args.as_of)
    start = as_of - datetime.timedelta(days=args.days)
    pg = sqlalchemy.create_engine(engine_url(args.pg, "psycopg2"))
    my = sqlalchemy.create_engine(engine_url(args.mysql, args.driver))

    users = pd.read_sql(
        sqlalchemy.text(f"SELECT user_id, user_name FROM {args.users_table} "
                        "WHERE active_status = 'active'"), pg)

    window = {"start": start, "end": as_of}
    where = "WHERE completion_date >= :start AND completion_date < :end"
    if args.group_in_mysql:
        sql = (f"SELECT user_id, completion_date, COUNT(*) AS lessons_completed "
               f"FROM {args.completions_table} {where} GROUP BY user_id, completion_date")
        chunks = pd.read_sql(sqlalchemy.text(sql), my, params=window, chunksize=args.chunksize)
        counts = pd.concat(list(chunks), ignore_index=True)
    else:
        sql = f"SELECT user_id, completion_date FROM {args.completions_table} {where}"
        parts = []
        for chunk in pd.read_sql(sqlalchemy.text(sql), my, params=window,
                                 chunksize=args.chunksize):
            parts.append(chunk.groupby(["user_id", "completion_date"]).size())
        if parts:
            counts = (pd.concat(parts).groupby(level=[0, 1]).sum()
                      .rename("lessons_completed").reset_index())
        else:
            counts = pd.DataFrame(columns=["user_id", "completion_date", "lessons_completed"])

    report = users.merge(counts, on="user_id", how="left")
    report["lessons_completed"] = report["lessons_completed"].fillna(0).astype("int64")
    report = report.sort_values(["user_id", "completion_date"], na_position="first")
    report.to_csv(args.out, index=False,
                  columns=["user_id", "user_name", "completion_date", "lessons_completed"])

    s3 = boto3.client("s3", endpoint_url=args.endpoint_url)
    s3.upload_file(args.out, args.bucket, args.key,
                   ExtraArgs={"ContentType": "text/csv; charset=utf-8"})
    url = s3.generate_presigned_url("get_object", Params={"Bucket": args.bucket, "Key": args.key},
                                    ExpiresIn=86400)
    print(f"s3://{args.bucket}/{args.key}")
    print(url)
    print(f"{len(report)} rows, {len(users)} active users", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
