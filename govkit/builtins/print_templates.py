"""Built-in plugin: the standard notices and case document kinds (受理通知书, 不予受理通知书, 一次性告知书, 办事指南,
送达回证, 登记簿, 纸质资料交接单), registered through the same hook as a county's templates."""
from govkit.plugins import hookimpl


@hookimpl
def register_print_templates():
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.printing.registry import builtin_templates

    return builtin_templates()


@hookimpl
def register_case_documents():
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.printing.kinds import BUILTIN_KINDS

    return list(BUILTIN_KINDS)
