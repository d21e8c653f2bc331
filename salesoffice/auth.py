"""Who the signed-in user is and what they may do, read in as few queries as a desk poll can afford."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db.models import CharField, Value


def load_rights(user: AbstractBaseUser) -> None:
    """The user's groups (their roles) and every permission they hold, their own and their groups', in one query.

    Kept on the user object, which lives for one request, where Django's ModelBackend keeps its own cache: a desk
    view checks a role (which sites) and a permission on every request, which took three queries.
    """
    via_groups = Group.objects.filter(user=user).values_list(
        "name", "permissions__content_type__app_label", "permissions__codename"
    )
    own = Permission.objects.filter(user=user).values_list(
        Value(None, output_field=CharField()), "content_type__app_label", "codename"
    )
    roles: set[str] = set()
    perms: set[str] = set()
    for group, app_label, codename in via_groups.order_by().union(own.order_by(), all=True):
        if group is not None:
            roles.add(group)
        if codename is not None:
            perms.add(f"{app_label}.{codename}")
    user._role_names = frozenset(roles)
    if user.is_active and not user.is_superuser:  # a superuser has every permission: ModelBackend reads them all
        user._perm_cache = perms


class StaffBackend(ModelBackend):
    """Django's ModelBackend, reading the user with their profile (the language middleware asks for it on every
    request) and their roles with their permissions in one query (see load_rights)."""

    def get_user(self, user_id):
        try:
            user = get_user_model()._default_manager.select_related("profile").get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        ordinary = user_obj.is_active and not user_obj.is_anonymous and not user_obj.is_superuser and obj is None
        if ordinary and not hasattr(user_obj, "_perm_cache"):
            load_rights(user_obj)
        return super().get_all_permissions(user_obj, obj)
