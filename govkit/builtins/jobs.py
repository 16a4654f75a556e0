"""Built-in plugin: the job queue (``govkit jobs``, Dramatiq over REDIS_URL) and its settings."""
from govkit.plugins import hookimpl
from govkit.settings import Setting


@hookimpl
def register_settings():
    return [
        Setting("JOBS_SCHEDULE", dict, {},
                "With REDIS_URL, `govkit jobs scheduler`: job → \"daily\" (after midnight, Beijing time), "
                "\"workdays\" (daily, on the working days of govkit's calendar only), \"monthly\", a number of "
                "seconds or \"off\"; unset jobs keep their default: escalate and remind on working days, "
                "deem_accepted daily, monthly_report monthly, outbox_relay every 60 s, partitions daily."),
        Setting("JOBS_SCHEDULER_TICK_SECONDS", float, 30.0,
                "How often `govkit jobs scheduler` checks which periodic jobs are due."),
        Setting("JOBS_WORKER_THREADS", int, 2, "Threads of `govkit jobs worker` (jobs run in parallel)."),
        Setting("JOBS_WORKER_HEARTBEAT_SECONDS", float, 60.0,
                "A job worker silent for this long counts as dead: the jobs it had taken go back to the queue "
                "(within about twice this time) for another worker."),
        Setting("REMINDER_WORKING_DAYS", int, 2,
                "The `remind` job reminds applicants whose 补正 period ends within this many working days "
                "(once per case and period, through the message channel)."),
        Setting("PARTITION_MONTHS_AHEAD", int, 3,
                "PostgreSQL: how many months after the current one have their partitions of the history tables "
                "(case events, outbox, audit) created ahead by the `partitions` job and "
                "`govkit db partitions ensure`."),
    ]


@hookimpl
def register_commands(cli):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.jobs.cli import export_group, jobs_group

    cli.add_command(jobs_group)
    cli.add_command(export_group)
