"""Hook implementations of the convenience-services plugin (便民服务)."""
from __future__ import annotations

from govkit.toolkit import hookimpl
from govkit_convenience import models  # noqa: F401  (tables join the metadata; `govkit db upgrade` creates them)

CATEGORY = "便民服务"


@hookimpl
def register_views(appbuilder, app):
    from govkit_convenience import views

    appbuilder.add_view(views.ConvenienceOverviewView, "便民服务概况", category=CATEGORY, category_label=CATEGORY,
                        icon="fa-bar-chart", category_icon="fa-handshake-o")
    appbuilder.add_view(views.UtilityPaymentView, "代缴水电", category=CATEGORY, icon="fa-tint")
    appbuilder.add_view(views.ParcelRecordView, "代收快递", category=CATEGORY, icon="fa-archive")
    appbuilder.add_view(views.ProducePurchaseView, "农产品代购", category=CATEGORY, icon="fa-shopping-basket")
