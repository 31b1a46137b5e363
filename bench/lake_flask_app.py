"""The lake's GET /data and GET /stats as a Python developer would write them with Flask: the
same users held in memory, the same filters (is_image_exists any case, min_age/max_age whole
years as of today UTC) and 400s naming the parameter. The baseline of bench/lake_serve.sh.

    LAKE_DATA_DIR=../shared/fixtures/provectus/data python3 bench/lake_flask_app.py PORT
    LAKE_DATA_DIR=... gunicorn -w 2 -b 127.0.0.1:PORT --chdir bench lake_flask_app:app
"""
import csv
import datetime
import os
import sys

from flask import Flask, jsonify, request

app = Flask(__name__)


def load_users(data_dir):
    users = []
    for name in sorted(os.listdir(data_dir)):
        stem, ext = os.path.splitext(name)
        if ext != ".csv":
            continue
        with open(os.path.join(data_dir, name), newline="") as f:
            rows = list(csv.reader(f, skipinitialspace=True))
        first, last, birthts = rows[1]
        image = stem + ".png"
        users.append({
            "user_id": int(stem),
            "first_name": first,
            "last_name": last,
            "birthts": int(birthts),
            "img_path": "source_data/" + image if os.path.exists(os.path.join(data_dir, image)) else "",
        })
    return users


USERS = load_users(os.environ["LAKE_DATA_DIR"])


def age(birth_ms, today):
    born = datetime.datetime.fromtimestamp(birth_ms / 1000, datetime.timezone.utc).date()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class BadParameter(Exception):
    def __init__(self, name, message):
        super().__init__(message)
        self.name = name


def filtered():
    known = {"is_image_exists", "min_age", "max_age"}
    for name in request.args:
        if name not in known:
            raise BadParameter(name, "unknown parameter")
    image = request.args.get("is_image_exists")
    if image is not None:
        if image.lower() not in ("true", "false"):
            raise BadParameter("is_image_exists", "expected true or false")
        image = image.lower() == "true"
    bounds = {}
    for name in ("min_age", "max_age"):
        text = request.args.get(name)
        if text is not None:
            if not text.isdigit():
                raise BadParameter(name, "expected a whole number")
            bounds[name] = int(text)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    out = []
    for user in USERS:
        if image is not None and bool(user["img_path"]) != image:
            continue
        a = age(user["birthts"], today)
        if "min_age" in bounds and a < bounds["min_age"]:
            continue
        if "max_age" in bounds and a > bounds["max_age"]:
            continue
        out.append((user, a))
    return out


@app.errorhandler(BadParameter)
def bad_parameter(error):
    return jsonify(error=str(error), parameter=error.name), 400


@app.get("/data")
def data():
    return jsonify([user for user, _ in filtered()])


@app.get("/stats")
def stats():
    matched = filtered()
    ages = [a for _, a in matched]
    return jsonify(count=len(ages), average_age=sum(ages) / len(ages) if ages else None)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]))
