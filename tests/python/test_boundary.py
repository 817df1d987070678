"""The Python boundary: nothing but `ChannelKpiError` subclasses come out of the library (a
Rust panic included), and Ctrl-C stops a long call quickly (the core polls the binding's
signal check, `channel_kpi::interrupt`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pyarrow as pa
import pytest

import channel_kpi as ck
from channel_kpi import _native


def test_a_panic_reaches_python_as_a_channel_kpi_error():
    with pytest.raises(ck.ChannelKpiError) as e:
        _native._panic("boom")
    assert isinstance(e.value, ck.InternalError) and isinstance(e.value, RuntimeError)
    assert isinstance(e.value, Exception)  # `except Exception` catches it (PanicException would not)
    assert e.value.kind == "internal" and "boom" in str(e.value)


def test_a_very_long_text_cell_never_escapes_as_base_exception():
    deals = pa.table({"deal_id": ["A"], "status": ["won"], "created_on": ["2025-01-02"], "closed_on": ["2025-01-10"],
                      "amount": ["1"], "currency": ["USD"], "product": ["x" * 70_000]})  # fmt: skip
    r = ck.query(deals, metrics="deal_count", period="2025", by="product", output="pyarrow")
    raw = ck.Dataset.from_tables({"deals": deals}).run('{"metrics": ["deal_count"], "period": "2025", "group_by": ["product"]}')
    try:
        text = raw.to_text()
    except Exception as e:  # a fixed renderer returns text; a panic must be a ChannelKpiError
        assert isinstance(e, ck.ChannelKpiError), type(e)
    else:
        assert "x" * 100 in text
    assert r.num_rows == 1


CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np, pyarrow as pa
    import channel_kpi as ck
    n = 1_000_000
    tbl = pa.table({"deal_id": pa.array(np.char.add("D", np.arange(n).astype(str))),
                    "status": pa.array(np.full(n, "won")), "created_on": pa.array(np.full(n, "2025-01-02")),
                    "closed_on": pa.array(np.full(n, "2025-02-02")), "amount": pa.array(np.full(n, 1.5)),
                    "currency": pa.array(np.full(n, "USD"))})
    print("ready", flush=True)
    try:
        while True:
            ck.load(tbl)
            print("loaded", flush=True)
    except KeyboardInterrupt:
        print("interrupted", repr(time.time()), flush=True)
    """
)


@pytest.mark.skipif(os.name != "posix", reason="SIGINT to a child process")
def test_ctrl_c_during_a_big_load_arrives_quickly():
    p = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "ready"
        time.sleep(1.0)  # inside the first load (a million rows take seconds)
        sent = time.time()
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=60)
    finally:
        p.kill()
    last = out.strip().splitlines()[-1]
    assert last.startswith("interrupted"), out
    latency = float(last.split()[1]) - sent
    # The core asks every 4096 rows (a few ms); 2 s is a loose bound for a loaded 2-core machine.
    assert latency < 2.0, f"KeyboardInterrupt arrived {latency:.2f} s after SIGINT"
