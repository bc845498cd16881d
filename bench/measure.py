"""Times whole processes from outside, side by side with their baseline, and reads a child's peak memory."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

# GNU time, the program (a shell's ``time`` keyword cannot report memory).
TIME = shutil.which("time")


def environment(**extra: str) -> dict[str, str]:
    """This process's environment plus ``extra``."""
    return {**os.environ, **extra}


def timed(command: Sequence[str], env: Mapping[str, str] | None = None) -> float:
    """Seconds for the whole process ``command`` (its output read through pipes); fails if it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip()[-2000:]
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {error}")
    return elapsed


def peak_method() -> str:
    """How ``timed_with_peak`` reads peak memory on this machine."""
    return "GNU time -f %M" if TIME else "wait4 (includes the parent's size at fork)"


def timed_with_peak(command: Sequence[str], env: Mapping[str, str] | None = None) -> tuple[float, float]:
    """Seconds for the whole process and its peak memory in MB (its max RSS).

    The max RSS comes from GNU ``time -f %M``: a child forked from this (large) Python process
    starts with this process's pages counted in its max RSS, a child of the small ``time`` program
    does not. Without ``time``, wait4's figure for the direct child is used, an overestimate.
    """
    with tempfile.TemporaryDirectory() as folder:
        errors_path = Path(folder) / "stderr"
        peak_path = Path(folder) / "peak"
        wrapped = [TIME, "-f", "%M", "-o", str(peak_path), *command] if TIME else list(command)
        with errors_path.open("wb") as errors:
            start = time.perf_counter()
            process = subprocess.Popen(wrapped, stdout=subprocess.DEVNULL, stderr=errors, env=env)
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            error = errors_path.read_bytes().decode(errors="replace").strip()[-2000:]
            raise RuntimeError(f"{' '.join(command)} exited {process.returncode}: {error}")
        kilobytes = int(peak_path.read_text().split()[-1]) if peak_path.exists() else usage.ru_maxrss
    return elapsed, kilobytes * 1024 / 1_000_000


def settle() -> None:
    """Write out what earlier runs left dirty, so that its writeback does not land on the next timed run."""
    os.sync()


def load() -> str:
    """The 1-minute load average and the number of cores, to judge how busy the machine was."""
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def side_by_side(
    ours: Callable[[int], float], baseline: Callable[[int], float], repeat: int
) -> tuple[float, float]:
    """Median seconds of ``ours`` and of ``baseline``, run alternately ``repeat`` times each.

    Each callable gets the run number; the order flips every run so that neither side always
    meets a warmer (or busier) machine, and pending writes are flushed before each run.
    """
    mine: list[float] = []
    theirs: list[float] = []
    for run in range(repeat):
        for side in (0, 1) if run % 2 == 0 else (1, 0):
            settle()
            if side == 0:
                mine.append(ours(run))
            else:
                theirs.append(baseline(run))
    return statistics.median(mine), statistics.median(theirs)
