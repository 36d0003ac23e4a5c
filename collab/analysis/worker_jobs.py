"""The jobs an analysis worker runs: only the platform's own.

RQ keeps a job's function as a dotted name next to its (JSON) arguments and imports
whatever that name says when a worker takes the job; its success, failure and stop
callbacks likewise. JSON arguments alone therefore do not keep whoever can write into Redis
from having a worker run code of its choosing (a job naming ``os.system`` with a command
as its argument). :class:`TrustedJob`, the job class of ``flask analysis-worker``, runs the
functions of :data:`TRUSTED_FUNCTIONS` only (module functions, never a method of a
deserialised instance) and no callbacks; any other job fails without its function being
imported. Imported by the worker only (RQ takes half a second to import).
"""

from __future__ import annotations

import logging

from rq.job import Job

log = logging.getLogger("kommunalnetz.analysis")

#: the functions the platform queues (collab.analysis.jobs and collab.notifications.delivery)
TRUSTED_FUNCTIONS = frozenset({
    "collab.analysis.jobs.run_job",
    "collab.notifications.delivery.run_job",
})


class UntrustedJob(Exception):
    """A job in the queue names a function the platform never queues."""


class TrustedJob(Job):
    """An RQ job that runs only one of :data:`TRUSTED_FUNCTIONS` and no callbacks."""

    @property
    def func(self):
        name = self.func_name
        if self.instance is not None or name not in TRUSTED_FUNCTIONS:
            log.error("refused a job the platform did not queue",
                      extra={"job_id": self.id, "function": str(name)[:200]})
            raise UntrustedJob(f"refused job {self.id}: function {str(name)[:200]!r} is not "
                               "one the platform queues")
        return super().func

    # the platform queues no callbacks: one written into a job is never imported
    @property
    def success_callback(self):
        return None

    @property
    def failure_callback(self):
        return None

    @property
    def stopped_callback(self):
        return None
