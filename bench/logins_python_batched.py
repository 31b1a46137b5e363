#!/usr/bin/python3
"""A well-written Python SQS-to-PostgreSQL consumer: batches, threads, a ledger.

    /usr/bin/python3 bench/logins_python_batched.py --queue NAME --pg URL --key-file PATH \
        [--threads 8]

The threads share one boto3 client (clients are thread-safe; creating one per
thread costs ~0.1 s of CPU each) and each has its own psycopg2 connection. Each
loops: receive up to 10 messages (long poll), validate, convert and mask them
(bench/logins_py_common.py), then in one transaction record their message ids
in a ledger (INSERT ... ON CONFLICT DO NOTHING RETURNING) and insert the rows and
rejects of the new ids with psycopg2.extras.execute_values, commit, and delete
the batch with delete_message_batch. A redelivered message adds nothing. A
thread stops after --empty-polls empty receives in a row; the totals are printed.
"""

import sys
import threading

import psycopg2
import psycopg2.extras

import logins_py_common as common

ROW_COLUMNS = ("user_id, device_type, masked_ip, masked_device_id, locale, app_version, "
               "create_date")


def consume(args, sqs, url, transformer, totals, lock, errors):
    try:
        conn = psycopg2.connect(args.pg)
        cur = conn.cursor()
        received = stored = rejected = duplicates = empty = 0
        while empty < args.empty_polls:
            response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=args.wait_seconds,
                                           AttributeNames=["SentTimestamp"])
            messages = response.get("Messages", [])
            if not messages:
                empty += 1
                continue
            empty = 0
            received += len(messages)
            rows, rejects = {}, {}
            for m in messages:
                row, reason = transformer.transform(m["Body"],
                                                    int(m["Attributes"]["SentTimestamp"]))
                if row is not None:
                    rows[m["MessageId"]] = row
                else:
                    rejects[m["MessageId"]] = transformer.reject(m["MessageId"], reason,
                                                                 m["Body"])
            fresh = psycopg2.extras.execute_values(
                cur, "INSERT INTO py_message_ledger (message_id) VALUES %s "
                     "ON CONFLICT DO NOTHING RETURNING message_id",
                [(m["MessageId"],) for m in messages], fetch=True)
            fresh = {f[0] for f in fresh}
            new_rows = [r for mid, r in rows.items() if mid in fresh]
            new_rejects = [r for mid, r in rejects.items() if mid in fresh]
            if new_rows:
                psycopg2.extras.execute_values(
                    cur, f"INSERT INTO user_logins ({ROW_COLUMNS}) VALUES %s", new_rows)
            if new_rejects:
                psycopg2.extras.execute_values(
                    cur, "INSERT INTO user_logins_rejects (message_id, received_at, reason, "
                         "body_masked) VALUES %s", new_rejects)
            conn.commit()
            stored += len(new_rows)
            rejected += len(new_rejects)
            duplicates += len(messages) - len(fresh)
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages)])
        conn.close()
        with lock:
            for k, v in (("received", received), ("stored", stored), ("rejected", rejected),
                         ("duplicates", duplicates)):
                totals[k] += v
    except Exception as e:  # reported by main, which then fails
        with lock:
            errors.append(e)


def main():
    p = common.arguments(__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=8)
    args = p.parse_args()
    transformer = common.Transformer(args.key_file)
    sqs = common.sqs_client()
    url = common.queue_url(sqs, args.queue)
    with psycopg2.connect(args.pg) as conn, conn.cursor() as cur:
        cur.execute(common.DDL + common.LEDGER_DDL)
    conn.close()

    totals = {"received": 0, "stored": 0, "rejected": 0, "duplicates": 0}
    lock = threading.Lock()
    errors = []
    threads = [threading.Thread(target=consume, args=(args, sqs, url, transformer, totals,
                                                      lock, errors))
               for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"error: {errors[0]!r}", file=sys.stderr)
        return 1
    print(f"{totals['received']} messages: {totals['stored']} stored, "
          f"{totals['rejected']} rejected, {totals['duplicates']} already stored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
