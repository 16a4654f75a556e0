"""Import every model module so the metadata (create_all, Alembic) is complete."""
from govkit.db import metadata  # noqa: F401
from govkit.hierarchy import models as hierarchy_models  # noqa: F401
from govkit.catalog import models as catalog_models  # noqa: F401
from govkit.cases import models as cases_models  # noqa: F401
from govkit.publicity import models as publicity_models  # noqa: F401
from govkit.desk import models as desk_models  # noqa: F401
from govkit.printing import models as printing_models  # noqa: F401
from govkit.auth import models as auth_models  # noqa: F401
from govkit.audit import models as audit_models  # noqa: F401
from govkit.online import models as online_models  # noqa: F401
from govkit.consult import models as consult_models  # noqa: F401
from govkit.inforequest import models as inforequest_models  # noqa: F401
from govkit.online import apply_models as online_apply_models  # noqa: F401
from govkit.supervision import models as supervision_models  # noqa: F401
