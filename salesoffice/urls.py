from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", views.choose_language, name="choose_language"),
    path("history/", views.audit_history, name="audit_history"),
    path("notifications/", views.notifications_page, name="notifications"),
    path("desk/", include("reception.urls")),
    path("register/", include("attribution.urls")),
    path("commission/", include("commission.urls")),
    path("store/", include("vip.urls")),
    path("service/", include("service_desk.urls")),
    path("admin/", admin.site.urls),
]
