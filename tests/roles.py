"""Which member of the `people` fixture stands for each role (tests/conftest.py).

Tests that iterate roles use this; a new role must be added here, and the security matrix
then asks for it on every route.
"""

from crm.models import User

Role = User.Role

ROLE_USERS: dict[str, str] = {
    Role.SALESPERSON: "sales1",
    Role.MANAGER: "manager1",
    Role.INFO_STAFF: "info1",
    Role.ADMIN: "admin",
}
