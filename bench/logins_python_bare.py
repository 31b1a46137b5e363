#!/usr/bin/python3
"""The floor of a boto3 consumer: receive and delete, nothing else.

    /usr/bin/python3 bench/logins_python_bare.py --queue NAME

One thread: receive up to 10 messages per call (long poll, with SentTimestamp,
as a real consumer asks for), delete them with delete_message_batch. No
parsing, no database. Stops after --empty-polls empty receives in a row and
prints how many messages it took.
"""

import sys

import logins_py_common as common


def main():
    args = common.arguments(__doc__.split("\n")[0], database=False).parse_args()
    sqs = common.sqs_client()
    url = common.queue_url(sqs, args.queue)
    received = empty = 0
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
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
    print(f"{received} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
