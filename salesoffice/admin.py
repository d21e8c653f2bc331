from axes.utils import reset as axes_reset
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from .models import Notification, QueuedTask, Site, SiteMembership, StaffProfile


class BoundedAdmin(admin.ModelAdmin):
    """Admin pages that cost the same queries however much history there is (issue 17; tests/test_query_counts.py).
    A foreign key to a table that grows with history is typed as an id: a select would list every row and read each
    option's label. The list joins what each row's label reads (`label_joins`, by model, for an admin registered for
    several)."""

    label_joins: dict[type, tuple[str, ...]] = {}
    # Few rows, and not more with history: a select of them is bounded.
    SMALL_TABLES = ("auth.user", "salesoffice.site")

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        growing = [
            field.name
            for field in model._meta.fields
            if (field.many_to_one or field.one_to_one)
            and field.related_model._meta.label_lower not in self.SMALL_TABLES
            and field.name not in (*self.raw_id_fields, *self.autocomplete_fields)
        ]
        self.raw_id_fields = (*self.raw_id_fields, *growing)

    def get_list_select_related(self, request):
        return self.label_joins.get(self.model, self.list_select_related)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Permanent or engine-made records: readable in the admin, changed only through the app's services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(admin.TabularInline):
    model = SiteMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "time_zone"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [MembershipInline]


@admin.register(SiteMembership)
class SiteMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "site"]
    list_filter = ["site"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "language"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "rule_id", "read_at"]
    list_filter = ["kind"]


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class StaffUserAdmin(UserAdmin):
    """Django's user admin, with a way to let a locked-out user sign in again before their cool-off ends."""

    actions = ["unlock_sign_in"]

    @admin.action(description=_("Unlock sign-in (clear failed attempts)"), permissions=["change"])
    def unlock_sign_in(self, request, queryset):
        # The lock-out counts a user's failures per address (AXES_LOCKOUT_PARAMETERS): all of them go.
        usernames = list(queryset.values_list("username", flat=True))
        cleared = sum(axes_reset(username=username) for username in usernames)
        self.message_user(
            request,
            ngettext(
                "Sign-in unlocked for %(users)d user (%(records)d failed-attempt records cleared).",
                "Sign-in unlocked for %(users)d users (%(records)d failed-attempt records cleared).",
                len(usernames),
            )
            % {"users": len(usernames), "records": cleared},
        )


@admin.register(QueuedTask)
class QueuedTaskAdmin(ReadOnlyAdmin):
    """The task outbox: work queued while the broker was down waits here until the drain publishes it."""

    list_display = ["created_at", "name", "published_at", "attempts", "last_error"]
    list_filter = [("published_at", admin.EmptyFieldListFilter), "name"]
