from django.urls import include, path

from . import views, views_manager

app_name = "vip"

store_patterns = [
    path("till/", views.till, name="till"),
    path("till/quote/", views.till_quote, name="till_quote"),
    path("purchases/<int:purchase_id>/", views.receipt, name="receipt"),
    path("purchases/<int:purchase_id>/return/", views.purchase_return, name="purchase_return"),
    path("customers/<int:customer_id>/register/", views.register, name="register"),
    path("members/", views.members, name="members"),
    path("members/export.csv", views_manager.members_export, name="members_export"),
    path("members/<int:membership_id>/", views.member, name="member"),
    path("members/<int:membership_id>/unmask/", views.member_unmask, name="member_unmask"),
    path("members/<int:membership_id>/redeem/", views.member_redeem, name="member_redeem"),
    path("members/<int:membership_id>/replace/", views.member_replace, name="member_replace"),
    path("members/<int:membership_id>/sms/", views.member_sms, name="member_sms"),
    path("rewards/", views_manager.rewards, name="rewards"),
    path("rewards/<int:reward_id>/", views_manager.rewards, name="reward_edit"),
    path("expiring/", views_manager.expiring, name="expiring"),
    path("shortfalls/", views_manager.shortfalls, name="shortfalls"),
    path("campaigns/", views_manager.campaigns, name="campaigns"),
    path("settings/", views_manager.store_settings, name="settings"),
]

urlpatterns = [
    path("", views_manager.index, name="index"),
    path("operations/registrations/", views_manager.registration_summary, name="registrations"),
    path("api/", include("vip.api_urls")),
    path("<slug:site>/", include(store_patterns)),
]
