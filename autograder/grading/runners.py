"""Where jobs run: a local process pool, or the workers of a Dask `distributed` scheduler.

Both yield results as they finish, in the coordinating process, which alone records them.
Job data (notebook bytes, assignment definition) travels inside each task, so Dask workers on
other machines need the same software environment but no shared filesystem.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Iterable, Iterator

from .jobs import GradingJob, GradingResult
from .worker import grade_job


def _failed(job: GradingJob, err: BaseException) -> GradingResult:
    """A worker that died is the grader's fault: no score, retried on the next run."""
    return GradingResult(job.student, job.assignment, job.key, ok=False,
                         grader_error=f"worker failed: {type(err).__name__}: {err}")


def _worker_init() -> None:
    """In each worker process: SIGTERM unwinds the job (its cgroup, kernel and scratch folder are
    cleaned up on the way out); Ctrl-C in the terminal is the coordinator's to handle."""
    def stop(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_workers(pool: ProcessPoolExecutor, grace: float = 30.0) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.join(grace)
        if proc.is_alive():
            proc.kill()
            proc.join(5)


class LocalRunner:
    """A pool of worker processes on this machine (default: one per core)."""

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)

    def run(self, jobs: Iterable[GradingJob]) -> Iterator[GradingResult]:
        jobs = list(jobs)
        if not jobs:
            return
        context = multiprocessing.get_context("spawn")      # no inherited sqlite handles
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(jobs)), mp_context=context,
                                   initializer=_worker_init)
        finished = False
        try:
            futures = {pool.submit(grade_job, job): job for job in jobs}
            for future in as_completed(futures):
                try:
                    yield future.result()
                except Exception as err:            # e.g. a worker process killed by the OS
                    yield _failed(futures[future], err)
            finished = True
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:
                # stopped early (Ctrl-C, SIGTERM, an error in the coordinator): end every job now
                # (each worker tears down its job's processes); what is cached stays, and the
                # next run picks up the rest
                _stop_workers(pool)


class DaskRunner:
    """Jobs as tasks on a Dask distributed scheduler (`tcp://host:8786`) or a given Client."""

    def __init__(self, scheduler: str | None = None, client=None):
        self.scheduler = scheduler
        self.client = client

    def run(self, jobs: Iterable[GradingJob]) -> Iterator[GradingResult]:
        from distributed import Client, as_completed as dask_completed

        jobs = list(jobs)
        if not jobs:
            return
        client = self.client or Client(self.scheduler, timeout="30s")
        try:
            by_future = {}
            for job in jobs:
                # pure=False: a regrade with --force must really run again
                future = client.submit(grade_job, job, pure=False, retries=0,
                                       key=f"grade-{job.student}-{job.key[:12]}-{uuid.uuid4().hex[:8]}")
                by_future[future] = job
            for future in dask_completed(list(by_future)):
                job = by_future[future]
                try:
                    yield future.result()
                except Exception as err:
                    yield _failed(job, err)
                finally:
                    future.release()
        finally:
            if self.client is None:
                client.close()
