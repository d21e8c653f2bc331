from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import cockpit_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.choose_language, name="choose_language"),
    path("history/", views.audit_history, name="audit_history"),
    path("notifications/", views.notifications_page, name="notifications"),
    path("cockpit/", cockpit_views.cockpit_page, name="cockpit"),
    path("cockpit/packs/", cockpit_views.pack_list, name="cockpit_packs"),
    path("cockpit/packs/generate/", cockpit_views.pack_generate, name="cockpit_pack_generate"),
    path("cockpit/packs/<str:month>/", cockpit_views.pack_page, name="cockpit_pack"),
    path("cockpit/packs/<str:month>.xlsx", cockpit_views.pack_xlsx, name="cockpit_pack_xlsx"),
    path("nav/counts/", views.nav_counts, name="nav_counts"),
    path("notifications/email/", views.notifications_email, name="notifications_email"),
    path("desk/", include("reception.urls")),
    path("register/", include("attribution.urls")),
    path("commission/", include("commission.urls")),
    path("store/", include("vip.urls")),
    path("service/", include("service_desk.urls")),
    path("admin/", admin.site.urls),
]
