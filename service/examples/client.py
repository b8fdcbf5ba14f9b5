"""kyso service from Python (requests): verify a PDF and print the verdict per signature.

Usage: KYSO_URL=http://127.0.0.1:8080 python3 client.py FILE.pdf [API_KEY]
"""
import os
import sys

import requests

url = os.environ.get("KYSO_URL", "http://127.0.0.1:8080")
path = sys.argv[1]
headers = {"Authorization": f"Bearer {sys.argv[2]}"} if len(sys.argv) > 2 else {}

with open(path, "rb") as f:
    r = requests.post(
        f"{url}/v1/verify",
        params={"revocation": "soft-fail"},
        files={"file": (os.path.basename(path), f, "application/pdf")},
        headers=headers,
        timeout=120,
    )
if r.status_code != 200:
    err = r.json()["error"]
    sys.exit(f"error {r.status_code} {err['code']}: {err['message']}")
report = r.json()
print(("VALID" if report["valid"] else "NOT VALID") + ": " + report["summary"])
for s in report["signatures"]:
    who = (s.get("signer") or {}).get("common_name", "?")
    when = s.get("proven_signing_time") or s.get("claimed_signing_time") or "?"
    print(f"  {s['field']}: {s['indication']} — {who} at {when}")
sys.exit(0 if report["valid"] else 1)
