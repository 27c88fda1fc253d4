"""A shop in Python, standard library only, that sells through settled running as a sidecar.

It keeps its own prices, asks settled's server-to-server API for a Checkout Session, and fulfils an order only
when a notification arrives whose Settled-Signature verifies. Run `settled serve` with SETTLED_API_KEYS,
SETTLED_NOTIFY_URL=http://127.0.0.1:5000/settled/notify and SETTLED_NOTIFY_SECRET, then this with the same key
and secret (see README.md next to it).
"""

import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SETTLED_URL = os.environ.get("SETTLED_URL", "http://127.0.0.1:4242").rstrip("/")
API_KEY = os.environ["SETTLED_API_KEY"]
# Several during a rotation, comma-separated, as settled has them.
NOTIFY_SECRETS = [s.strip() for s in os.environ["SETTLED_NOTIFY_SECRET"].split(",") if s.strip()]
FULFILLED_FILE = os.environ.get("FULFILLED_FILE", "fulfilled.jsonl")
TOLERANCE_SECONDS = 300

# The shop's own catalog: settled trusts these prices because they come from this backend, never from the browser.
PRODUCTS = {
    "poster": {"name": "Poster", "unitAmount": 1800, "currency": "usd"},
    "mug": {"name": "Mug", "unitAmount": 1200, "currency": "usd"},
}

seen_notifications = set()
lock = threading.Lock()


def verify_signature(body: bytes, header: str) -> bool:
    """Settled-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">[,v1=...], exactly as Stripe signs."""
    parts = [item.split("=", 1) for item in header.split(",") if "=" in item]
    timestamps = [value for key, value in parts if key == "t"]
    signatures = [value for key, value in parts if key == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not signatures:
        return False
    if abs(time.time() - int(timestamps[0])) > TOLERANCE_SECONDS:
        return False
    signed = timestamps[0].encode() + b"." + body
    for secret in NOTIFY_SECRETS:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            return True
    return False


def settled_api(method: str, path: str, body=None, idempotency_key=None):
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(SETTLED_URL + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def fulfil(notification: dict) -> None:
    """The shop's side effect, once per notification id (settled delivers at least once)."""
    with lock:
        if notification["id"] in seen_notifications:
            return
        seen_notifications.add(notification["id"])
        order = notification["data"]["order"]
        with open(FULFILLED_FILE, "a", encoding="utf-8") as out:
            out.write(json.dumps({"notification": notification["id"], "type": notification["type"], "order": order["id"], "email": order["email"]}) + "\n")


class Shop(BaseHTTPRequestHandler):
    def _send(self, status: int, body: bytes, content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/":
            options = "".join(f'<option value="{sku}">{p["name"]}</option>' for sku, p in PRODUCTS.items())
            page = f'<form method="post" action="/buy"><select name="sku">{options}</select><input name="email" placeholder="email"><button>Buy</button></form>'
            return self._send(200, page.encode(), "text/html; charset=utf-8")
        if self.path == "/fulfilled":
            lines = open(FULFILLED_FILE, encoding="utf-8").read().splitlines() if os.path.exists(FULFILLED_FILE) else []
            return self._send(200, json.dumps([json.loads(line) for line in lines]).encode())
        self._send(404, b'{"error":"not found"}')

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path == "/buy":
            return self._buy(body)
        if self.path == "/settled/notify":
            return self._notify(body)
        self._send(404, b'{"error":"not found"}')

    def _buy(self, body: bytes):
        form = dict(pair.split("=", 1) for pair in body.decode().split("&") if "=" in pair)
        product = PRODUCTS.get(form.get("sku", ""))
        if product is None:
            return self._send(400, b'{"error":"unknown product"}')
        email = urllib.parse.unquote_plus(form.get("email", "")) or None
        order = {"lines": [{**product, "quantity": 1, "sku": form["sku"]}], "mode": "checkout_session"}
        if email:
            order["email"] = email
        # A fresh key per purchase: a retried call (a timeout) then cannot create a second order.
        status, answer = settled_api("POST", "/api/v1/orders", order, idempotency_key=str(uuid.uuid4()))
        if status != 201:
            return self._send(502, json.dumps(answer).encode())
        self._send(303, b"", headers={"Location": answer["checkoutUrl"]})

    def _notify(self, body: bytes):
        if not verify_signature(body, self.headers.get("Settled-Signature", "")):
            return self._send(400, b'{"error":"bad signature"}')
        notification = json.loads(body)
        if notification["type"] == "order.paid":
            fulfil(notification)
        # Anything else (refunded, disputed, ...) would revoke or flag here; answering 2xx stops the retries.
        self._send(200, b'{"received":true}')

    def log_message(self, format, *args):
        sys.stderr.write("python-shop: " + (format % args) + "\n")


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "5000"))), Shop)
    print(f"python shop listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()
