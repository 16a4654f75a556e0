"""Measure: progress lookup latency, wrong factor vs unknown number (interleaved requests).

Run: .venv/bin/python tests/publicity/bench_lookup_timing.py   (not collected by pytest)
"""
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from govkit.app import create_app
from govkit.db import db, metadata
d = tempfile.mkdtemp()
app = create_app({"DATABASE_URL": f"sqlite:///{d}/t.db", "INSTANCE_PATH": d, "SECRET_KEY": "x", "TESTING": True,
                  "WTF_CSRF_ENABLED": False, "PROGRESS_RATE_LIMIT": "100000 per minute",
                  "COUNTY_CODE": "621002000000"}, load_entrypoints=False)
with app.app_context():
    metadata.create_all(db.engine)
    from tests.publicity.world import make_world, make_case
    w = make_world(db.session)
    c = make_case(db.session, w)
    db.session.commit()
    number = c.number
client = app.test_client()
unknown = number[:-1] + ("0" if number[-1] != "0" else "1")
def run(no, n=300):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        client.post("/public/progress", data={"no": no, "f": "0000"})
        ts.append(time.perf_counter() - t)
    return ts
run(number, 30)
run(unknown, 30)
a, b = [], []
for i in range(600):
    (a if i % 2 == 0 else b).extend(run(number if i % 2 == 0 else unknown, 1))
for i in range(600):
    (b if i % 2 == 0 else a).extend(run(unknown if i % 2 == 0 else number, 1))
print(f"wrong factor: median {statistics.median(a)*1000:.2f} ms  "
      f"p90 {sorted(a)[int(len(a)*.9)]*1000:.2f} ms (n={len(a)})")
print(f"unknown no.:  median {statistics.median(b)*1000:.2f} ms  "
      f"p90 {sorted(b)[int(len(b)*.9)]*1000:.2f} ms (n={len(b)})")
