#!/usr/bin/env python3
"""Generated lake users for the lake benches (bench/lake_build.sh, bench/lake_scale.sh).

    lake_users.py generate DIR COUNT FIRST_ID IMAGE_EVERY
        writes <id>.csv for COUNT users from FIRST_ID (the source format of SPEC section 4:
        "first_name, last_name, birthts" and one row), and <id>.png for every user but each
        IMAGE_EVERY-th (0: every user has one)
    lake_users.py change DIR COUNT FIRST_ID PERCENT
        rewrites the last name of PERCENT% of those users, spread evenly; prints how many
    lake_users.py restore DIR
        undoes `change`
"""
import os
import random
import sys

FIRSTS = ["Susan", "Rosa", "Adam", "Zoë", "Wei", "Olu", "Anna", "José"]
LASTS = ["Lee", "Garcia", "Brown", "O'Neil", "Kowalski", "Nakamura"]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


def generate(out, count, first_id, image_every):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(10)
    for i in range(count):
        uid = first_id + i
        birth = rng.randint(-631152000000, 1104537600000)  # 1950 to 2005
        with open(f"{out}/{uid}.csv", "w") as f:
            f.write(f"first_name, last_name, birthts\n"
                    f"{rng.choice(FIRSTS)}, {rng.choice(LASTS)}, {birth}\n")
        if image_every == 0 or i % image_every != 0:
            with open(f"{out}/{uid}.png", "wb") as f:
                f.write(PNG)


def change(out, count, first_id, percent):
    changed = 0
    if percent > 0:
        step = max(1, round(100 / percent))
        for i in range(0, count, step):
            path = f"{out}/{first_id + i}.csv"
            head, row = open(path).read().split("\n", 1)
            first, last, birth = [x.strip() for x in row.strip().split(",")]
            open(path, "w").write(f"{head}\n{first}, {last}-Changed, {birth}\n")
            changed += 1
    print(changed)


def restore(out):
    for name in os.listdir(out):
        path = f"{out}/{name}"
        if name.endswith(".csv"):
            text = open(path).read()
            if "-Changed," in text:
                open(path, "w").write(text.replace("-Changed,", ","))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "generate":
        generate(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif command == "change":
        change(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif command == "restore":
        restore(args[0])
    else:
        sys.exit(f"lake_users.py: unknown command {command!r} (generate, change, restore)")
