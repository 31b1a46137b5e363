"""What the Python consumers of the `logins` benchmark share.

The same rules as `sluice logins run` (SPEC section 1), written the way a Python
team would: json.loads, a regular expression for app_version, and, for masking,
an HMAC-SHA256 from the standard library (keyed, deterministic, irreversible;
Python has no AES-SIV without a third-party package). The key is the first key
of a Sluice key file (`<id>:<base64 of 64 bytes>` lines).

Needs Debian's /usr/bin/python3 with python3-boto3 and python3-psycopg2.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import re

import boto3

VERSION_RE = re.compile(r"(\d{1,3})(?:\.(\d{1,3})(?:\.(\d{1,3}))?)?")

# user_logins as SPEC section 1 fixes it; rejects keep the reason and the
# masked body.
DDL = """
CREATE TABLE IF NOT EXISTS user_logins(
    user_id varchar(128), device_type varchar(32), masked_ip varchar(256),
    masked_device_id varchar(256), locale varchar(32), app_version integer, create_date date);
CREATE TABLE IF NOT EXISTS user_logins_rejects(
    message_id text NOT NULL, received_at timestamptz NOT NULL, reason text NOT NULL,
    body_masked text);
"""
LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS py_message_ledger(
    message_id text PRIMARY KEY, stored_at timestamptz NOT NULL DEFAULT now());
"""

INSERT_ROW = ("INSERT INTO user_logins (user_id, device_type, masked_ip, masked_device_id, "
              "locale, app_version, create_date) VALUES (%s, %s, %s, %s, %s, %s, %s)")
INSERT_REJECT = ("INSERT INTO user_logins_rejects (message_id, received_at, reason, body_masked) "
                 "VALUES (%s, %s, %s, %s)")


def arguments(description, database=True):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--queue", required=True, help="queue name or URL")
    if database:
        p.add_argument("--pg", default=os.environ.get("SLUICE_PG_URL"),
                       help="postgresql:// URL (default $SLUICE_PG_URL)")
        p.add_argument("--key-file", default=os.environ.get("SLUICE_MASK_KEY_FILE"),
                       help="Sluice key file (default $SLUICE_MASK_KEY_FILE)")
    p.add_argument("--wait-seconds", type=int, default=1, help="long-poll length")
    p.add_argument("--empty-polls", type=int, default=2,
                   help="stop after this many empty receives in a row")
    return p


def sqs_client():
    # boto3 before 1.28 reads neither AWS_ENDPOINT_URL nor AWS_REGION.
    return boto3.session.Session().client(
        "sqs",
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
        region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1")


def queue_url(client, queue):
    if queue.startswith(("http://", "https://")):
        return queue
    return client.get_queue_url(QueueName=queue)["QueueUrl"]


def load_key(path):
    if not path:
        raise SystemExit("no key file: pass --key-file or set SLUICE_MASK_KEY_FILE")
    with open(path, encoding="ascii") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                key_id, _, material = line.partition(":")
                return key_id, base64.b64decode(material)
    raise SystemExit(f"{path}: holds no key")


class Transformer:
    """Validates, converts and masks one message body into a user_logins row."""

    def __init__(self, key_file):
        self.key_id, self.key = load_key(key_file)
        self.prefix = "h." + self.key_id + ":"

    def mask(self, value):
        mac = hmac.new(self.key, value.encode("utf-8"), hashlib.sha256).digest()
        return self.prefix + base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    @staticmethod
    def _string(obj, field, max_chars):
        v = obj.get(field)
        if v is None:
            return None
        if not isinstance(v, str):
            raise ValueError(f"{field} must be a string, not {type(v).__name__}")
        if max_chars and len(v) > max_chars:
            raise ValueError(f"{field} is {len(v)} characters; the column holds {max_chars}")
        return v

    def transform(self, body, sent_timestamp_ms):
        """(row, None) for a good message, (None, reason) for a reject."""
        try:
            obj = json.loads(body)
        except ValueError as e:
            return None, f"the body is not valid JSON: {e}"
        if not isinstance(obj, dict):
            return None, f"the body is {type(obj).__name__}, not a JSON object"
        try:
            user_id = self._string(obj, "user_id", 128)
            device_type = self._string(obj, "device_type", 32)
            locale = self._string(obj, "locale", 32)
            version_text = self._string(obj, "app_version", 0)
            ip = self._string(obj, "ip", 0)
            device_id = self._string(obj, "device_id", 0)
        except ValueError as e:
            return None, str(e)
        if not user_id:
            return None, "user_id is missing"
        version = None
        if version_text is not None:
            m = VERSION_RE.fullmatch(version_text)
            if not m:
                # Like Sluice, the reason never quotes the value (it may be personal data).
                return None, "app_version is not MAJOR[.MINOR[.PATCH]] with parts 0..999"
            version = int(m[1]) * 1000000 + int(m[2] or 0) * 1000 + int(m[3] or 0)
        create_date = datetime.datetime.fromtimestamp(
            sent_timestamp_ms / 1000, tz=datetime.timezone.utc).date()
        return (user_id, device_type,
                None if ip is None else self.mask(ip),
                None if device_id is None else self.mask(device_id),
                locale, version, create_date), None

    def reject(self, message_id, reason, body):
        return (message_id, datetime.datetime.now(datetime.timezone.utc), reason,
                self.mask(body))
