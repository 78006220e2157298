"""Where jobs run: a local process pool, or the workers of a Dask `distributed` scheduler.

Both yield results as they finish, in the coordinating process, which alone records them.
Job data (notebook bytes, assignment definition) travels inside each task, so Dask workers on
other machines need the same software environment but no shared filesystem.
"""

from __future__ import annotations

import multiprocessing
import os
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Iterable, Iterator

from .jobs import GradingJob, GradingResult
from .worker import grade_job


def _failed(job: GradingJob, err: BaseException) -> GradingResult:
    """A worker that died is the grader's fault: no score, retried on the next run."""
    return GradingResult(job.student, job.assignment, job.key, ok=False,
                         grader_error=f"worker failed: {type(err).__name__}: {err}")


class LocalRunner:
    """A pool of worker processes on this machine (default: one per core)."""

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)

    def run(self, jobs: Iterable[GradingJob]) -> Iterator[GradingResult]:
        jobs = list(jobs)
        if not jobs:
            return
        context = multiprocessing.get_context("spawn")      # no inherited sqlite handles
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(jobs)), mp_context=context)
        try:
            futures = {pool.submit(grade_job, job): job for job in jobs}
            for future in as_completed(futures):
                try:
                    yield future.result()
                except Exception as err:            # e.g. a worker process killed by the OS
                    yield _failed(futures[future], err)
        finally:
            # stopped early (Ctrl-C, an error in the coordinator): start nothing new; what is
            # already cached stays, and the next run picks up the rest
            pool.shutdown(wait=True, cancel_futures=True)


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
