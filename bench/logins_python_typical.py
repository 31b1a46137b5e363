#!/usr/bin/python3
"""The SQS-to-PostgreSQL consumer a team typically writes first.

    /usr/bin/python3 bench/logins_python_typical.py --queue NAME --pg URL --key-file PATH

One thread; boto3 receives one message per call; each message is validated,
converted and masked (bench/logins_py_common.py), INSERTed with psycopg2 and
committed on its own, then deleted from the queue. No ledger: a redelivered
message is stored twice. Stops after --empty-polls empty receives in a row and
prints what it did.
"""

import sys

import psycopg2

import logins_py_common as common


def main():
    args = common.arguments(__doc__.split("\n")[0]).parse_args()
    transformer = common.Transformer(args.key_file)
    sqs = common.sqs_client()
    url = common.queue_url(sqs, args.queue)
    conn = psycopg2.connect(args.pg)
    cur = conn.cursor()
    cur.execute(common.DDL)
    conn.commit()

    received = stored = rejected = empty = 0
    while empty < args.empty_polls:
        response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1,
                                       WaitTimeSeconds=args.wait_seconds,
                                       AttributeNames=["SentTimestamp"])
        messages = response.get("Messages", [])
        if not messages:
            empty += 1
            continue
        empty = 0
        message = messages[0]
        received += 1
        row, reason = transformer.transform(message["Body"],
                                            int(message["Attributes"]["SentTimestamp"]))
        if row is not None:
            cur.execute(common.INSERT_ROW, row)
            stored += 1
        else:
            cur.execute(common.INSERT_REJECT,
                        transformer.reject(message["MessageId"], reason, message["Body"]))
            rejected += 1
        conn.commit()
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    conn.close()
    print(f"{received} messages: {stored} stored, {rejected} rejected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
