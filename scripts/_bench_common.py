"""Shared helpers for the ``scripts/bench_*.py`` benchmarks.

Each measurement runs in a fresh process started with multiprocessing's
``spawn`` method, so its peak memory is its own: the child reports
``ru_maxrss`` (peak resident set of the whole child: interpreter, imports,
inputs and work) and the peak RSS sampled every 5 ms by a thread while the
timed work runs, minus the RSS just before it (the work's own peak).
Timings are wall-clock medians of repeated runs inside that child; ratios
are only meaningful between measurements made in the same run.
"""

from __future__ import annotations

import csv
import importlib
import math
import multiprocessing as mp
import os
import resource
import statistics
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def rss_mb() -> float:
    """Current resident set size of this process (MB)."""
    return float(psutil.Process().memory_info().rss) / 2**20


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (MB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class RssSampler:
    """Sample this process's RSS in a thread; ``peak`` is the maximum seen (MB)."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        proc = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, proc.memory_info().rss / 2**20)
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


@dataclass
class Timed:
    """Result of `time_repeats`: per-run seconds and what the last run returned."""

    seconds: list[float]
    value: Any
    work_peak_mb: float
    base_rss_mb: float
    cpu_seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median wall-clock seconds."""
        return float(statistics.median(self.seconds))

    @property
    def cpu_median(self) -> float:
        """Median CPU seconds of the process (all threads)."""
        return float(statistics.median(self.cpu_seconds))


def time_repeats(fn: Callable[[], Any], repeats: int) -> Timed:
    """Run `fn` `repeats` times: wall and CPU seconds, the work's peak RSS increment."""
    base = rss_mb()
    seconds: list[float] = []
    cpu: list[float] = []
    value: Any = None
    with RssSampler() as sampler:
        for _ in range(max(1, repeats)):
            value = None  # let the previous result go before the next run
            c0 = time.process_time()
            t0 = time.perf_counter()
            value = fn()
            seconds.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return Timed(seconds, value, max(0.0, sampler.peak - base), base, cpu)


def _child(module: str, func: str, kwargs: dict[str, Any], conn: Any) -> None:
    try:
        out = getattr(importlib.import_module(module), func)(**kwargs)
        out = dict(out or {})
        out.setdefault("peak_rss_mb", peak_rss_mb())
        conn.send(("ok", out))
    except BaseException as exc:  # report anything, including MemoryError
        conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
    finally:
        conn.close()


def run_isolated(module: str, func: str, timeout: float | None = None, **kwargs: Any) -> dict:
    """Call ``module.func(**kwargs)`` in a spawned process and return its dict.

    The dict gets ``peak_rss_mb`` (the child's ``ru_maxrss``) unless the
    function set it. On failure the dict holds ``error``.
    """
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(module, func, kwargs, child))
    proc.start()
    child.close()
    if parent.poll(timeout):
        try:
            status, payload = parent.recv()
        except EOFError:
            status, payload = "error", "child exited without a result"
    else:
        status, payload = "error", f"timed out after {timeout} s"
        proc.kill()
    proc.join()
    result: dict[str, Any] = payload if status == "ok" else {"error": payload}
    if proc.exitcode not in (0, None) and "error" not in result:
        result["error"] = f"child exit code {proc.exitcode}"
    return result


# --------------------------------------------------------------------------- output


@dataclass
class Table:
    """Rows of a benchmark table, printed aligned and written as CSV."""

    columns: Sequence[str]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, **row: Any) -> None:
        self.rows.append(row)

    @staticmethod
    def _fmt(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, float):
            if math.isnan(v):
                return ""
            if math.isinf(v):
                return "inf"
            a = abs(v)
            if a == 0:
                return "0"
            if a >= 1000:
                return f"{v:,.0f}"
            if a >= 10:
                return f"{v:.1f}"
            if a >= 0.01:
                return f"{v:.3f}"
            return f"{v:.2e}"
        return str(v)

    def render(self, columns: Sequence[str] | None = None) -> str:
        cols = list(columns or self.columns)
        cells = [[self._fmt(r.get(c)) for c in cols] for r in self.rows]
        widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
        lines.append("  ".join("-" * w for w in widths))
        for row in cells:
            lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))
        return "\n".join(lines)

    def write_csv(self, path: str | os.PathLike[str]) -> None:
        """Write all columns as UTF-8 CSV (atomically)."""
        p = Path(path)
        tmp = p.with_name(p.name + ".tmp")
        with tmp.open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(self.columns), extrasaction="ignore")
            w.writeheader()
            for r in self.rows:
                w.writerow({c: r.get(c, "") for c in self.columns})
        tmp.replace(p)
