#!/usr/bin/python3
"""Deterministic login events for the `logins` benchmark and demos.

    bench/gen_login_events.py --count 500 [--seed 7] [--invalid-rate 0.01] [--out FILE]

Writes NDJSON, one SQS message body per line, in the shape of SPEC section 1:

    {"user_id": "<uuid>", "app_version": "2.3.0", "device_type": "android",
     "ip": "199.172.111.135", "locale": "RU", "device_id": "593-47-5928"}

About 30% of the valid events have a null locale, a quarter have a two-part
app_version ("0.96"), and ips and device ids are drawn from pools smaller than
the event count, so equal inputs (and equal masked values) occur. About
--invalid-rate of the lines are bad on purpose, each kind in turn: a message
of another type, a body that is not JSON, a JSON array, a missing user_id, a
number where a string belongs, and app_versions like "v2", "1.2.3.4" and
"1.1000". Every user_id is distinct, so a duplicate row in a table is a
delivery that was stored twice.

Output depends only on the arguments. Only Random.random() is used, whose
sequence is stable across Python 3 versions. Python standard library only.
"""

import argparse
import json
import random
import signal
import sys

DEVICE_TYPES = ["android", "ios"]
LOCALES = ["RU", "PH", "US", "DE", "BR", "IN", "FR", "GB", "JP", "ID", "MX",
           "NG", "TR", "PL", "VN", "ES", "IT", "KR", "EG", "AR"]

INVALID = [
    lambda r, uid: {"foo": "oops_wrong_msg_type", "bar": str(int(r() * 1000))},
    lambda r, uid: "user_id=" + uid + "&ip=10.0.0.1",            # not JSON
    lambda r, uid: [uid, "2.3.0"],                                 # not an object
    lambda r, uid: {"app_version": "2.3.0", "device_type": "ios"},  # no user_id
    lambda r, uid: {"user_id": uid, "app_version": 230},          # wrong type
    lambda r, uid: {"user_id": uid, "app_version": "v2"},
    lambda r, uid: {"user_id": uid, "app_version": "1.2.3.4"},
    lambda r, uid: {"user_id": uid, "app_version": "1.1000"},
]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--count", type=int, required=True, help="events to write")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--invalid-rate", type=float, default=0.01,
                   help="share of bad messages (default 0.01)")
    p.add_argument("--out", default="-", help="file to write (default stdout)")
    args = p.parse_args()
    if args.count < 0:
        p.error("--count must not be negative")
    if not 0 <= args.invalid_rate <= 1:
        p.error("--invalid-rate must be between 0 and 1")

    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends quietly
    rng = random.Random(args.seed)
    r = rng.random

    def pick(seq):
        return seq[int(r() * len(seq))]

    def uuid4():
        # 122 random bits in the layout of a version-4 UUID.
        hi = int(r() * 2**48)
        mid = int(r() * 2**26)
        lo = int(r() * 2**48)
        return "%08x-%04x-4%03x-%x%03x-%012x" % (
            hi >> 16, hi & 0xFFFF, mid & 0xFFF, 8 + (mid >> 12 & 3), mid >> 14, lo)

    def ip():
        return "%d.%d.%d.%d" % (1 + int(r() * 223), int(r() * 256),
                                int(r() * 256), 1 + int(r() * 254))

    def device_id():
        return "%03d-%02d-%04d" % (int(r() * 1000), int(r() * 100), int(r() * 10000))

    pool = max(1, args.count // 4)
    ips = [ip() for _ in range(min(pool, 50000))]
    devices = [device_id() for _ in range(min(pool, 50000))]

    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    kind = 0
    for _ in range(args.count):
        uid = uuid4()
        if r() < args.invalid_rate:
            event = INVALID[kind % len(INVALID)](r, uid)
            kind += 1
        else:
            parts = [int(r() * 10), int(r() * 20)]
            if r() >= 0.25:
                parts.append(int(r() * 10))
            event = {
                "user_id": uid,
                "app_version": ".".join(map(str, parts)),
                "device_type": pick(DEVICE_TYPES),
                "ip": pick(ips) if r() < 0.5 else ip(),
                "locale": None if r() < 0.3 else pick(LOCALES),
                "device_id": pick(devices) if r() < 0.5 else device_id(),
            }
        out.write(event if isinstance(event, str) else json.dumps(event))
        out.write("\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
