"""Administration pages of the core (the loaded-plugins page)."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import BaseView, expose, has_access

from govkit.state import get_state
from govkit.printing.registry import registry_for


class PluginsView(BaseView):
    """Lists loaded plugins with versions and the hooks each implements, and the active print
    templates with the registrations each replaced (已加载插件)."""

    route_base = "/admin/plugins"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        state = get_state(current_app)
        registry = registry_for(state)
        return self.render_template("govkit/plugins.html", plugins=state.pm.info(), templates=registry.active(),
                                    replaced=registry.replaced)
