from django.urls import path

from . import views, views_report

app_name = "service_desk"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:site>/", views.desk, name="desk"),
    path("<slug:site>/new/", views.register, name="register"),
    path("<slug:site>/items/", views.items, name="items"),
    path("<slug:site>/items/<int:item_id>/", views.item, name="item"),
    path("<slug:site>/items/<int:item_id>/<slug:action>/", views.item_action, name="item_action"),
    path("<slug:site>/callbacks/", views.callbacks, name="callbacks"),
    path("<slug:site>/callbacks/<int:completion_id>/", views.callback_form, name="callback"),
    path("<slug:site>/rectifications/", views.rectifications, name="rectifications"),
    path("<slug:site>/rectifications/<int:notice_id>/", views.rectification_done, name="rectification_done"),
    path("<slug:site>/duty/", views.duty, name="duty"),
    path("<slug:site>/duty/<int:shift_id>/<slug:action>/", views.duty_action, name="duty_action"),
    path("<slug:site>/settings/", views.office_settings, name="settings"),
    path("<slug:site>/report/", views_report.report, name="report"),
    path("<slug:site>/report.xlsx", views_report.report_xlsx, name="report_xlsx"),
]
