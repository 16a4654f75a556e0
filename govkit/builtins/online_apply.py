"""Built-in plugin: online application (网上申报, /online/apply), the receiving point's pre-review
(网上预审, /desk/prereview), the village terminal (网上代申办, /online/terminal) and the staff screen of
applicant accounts (申请人账号, /desk/applicants) — docs/online.md."""
from govkit.plugins import hookimpl


@hookimpl
def register_views(appbuilder, app):
    # deferred: built-ins load with the settings; domain code loads when the hook runs
    from govkit.online import account_views, apply_views

    apply_views.register(appbuilder, app)
    account_views.register(appbuilder, app)
