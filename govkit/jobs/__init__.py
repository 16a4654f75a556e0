"""任务队列 (job queue): work that is not a request, on Dramatiq over Redis (``REDIS_URL``).

:mod:`govkit.jobs.queue` declares one Dramatiq actor per job — the daily escalation sweep, the daily
视为受理 run (行政许可法第三十二条), the monthly supervision report, an outbox relay batch — each calling the
same function as its ``govkit`` command; the scheduler enqueues the periodic ones once per cluster and period
(a Redis ``SET NX`` key per job and period). :mod:`govkit.jobs.cli` holds ``govkit jobs worker|scheduler|send|
status``. Without ``REDIS_URL`` the commands refuse and cron keeps calling the commands as before.
"""
