"""Built-in plugin: the transactional outbox (``govkit outbox drain``), the inbound consumer
(``govkit inbound consume``) and event logging.

Outbox rows are written by the workflow engine inside the transition's transaction; this
plugin adds the CLI that delivers them and logs every committed case event.
"""
import logging

from govkit.plugins import hookimpl

log = logging.getLogger("govkit.cases.events")


@hookimpl
def case_event_committed(event, settings):
    log.debug("办件 %s：%s（%s → %s），%s", event.case_number, event.action, event.from_state,
              event.to_state, event.actor)


@hookimpl
def register_commands(cli):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.cases.inbound import inbound_group
    from govkit.cases.outbox import outbox_group

    cli.add_command(outbox_group)
    cli.add_command(inbound_group)
