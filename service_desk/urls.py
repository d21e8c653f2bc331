from django.urls import path

from . import views, views_item, views_report

app_name = "service_desk"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:site>/", views.desk, name="desk"),
    path("<slug:site>/new/", views.register, name="register"),
    path("<slug:site>/items/", views.items, name="items"),
    path("<slug:site>/items/<int:item_id>/", views_item.item, name="item"),
    # One view per action on a request, each at its own URL.
    path("<slug:site>/items/<int:item_id>/route/", views_item.item_route, name="item_route"),
    path("<slug:site>/items/<int:item_id>/owner/", views_item.item_owner, name="item_owner"),
    path("<slug:site>/items/<int:item_id>/close/", views_item.item_close, name="item_close"),
    path(
        "<slug:site>/items/<int:item_id>/corrective_action/",
        views_item.item_corrective_action,
        name="item_corrective_action",
    ),
    path("<slug:site>/items/<int:item_id>/inspection/", views_item.item_inspection, name="item_inspection"),
    path("<slug:site>/items/<int:item_id>/liaison/", views_item.item_liaison, name="item_liaison"),
    path("<slug:site>/items/<int:item_id>/sign_off/", views_item.item_sign_off, name="item_sign_off"),
    path(
        "<slug:site>/items/<int:item_id>/complaint_callback/",
        views_item.item_complaint_callback,
        name="item_complaint_callback",
    ),
    path("<slug:site>/items/<int:item_id>/reschedule/", views_item.item_reschedule, name="item_reschedule"),
    path("<slug:site>/items/<int:item_id>/complete/", views_item.item_complete, name="item_complete"),
    path("<slug:site>/callbacks/", views.callbacks, name="callbacks"),
    path("<slug:site>/callbacks/<int:completion_id>/", views.callback_form, name="callback"),
    path("<slug:site>/rectifications/", views.rectifications, name="rectifications"),
    path("<slug:site>/rectifications/<int:notice_id>/", views.rectification_done, name="rectification_done"),
    path("<slug:site>/duty/", views.duty, name="duty"),
    path("<slug:site>/duty/<int:shift_id>/out/", views.duty_out, name="duty_out"),
    path("<slug:site>/duty/<int:shift_id>/back/", views.duty_back, name="duty_back"),
    path("<slug:site>/settings/", views.office_settings, name="settings"),
    path("<slug:site>/report/", views_report.report, name="report"),
    path("<slug:site>/report.xlsx", views_report.report_xlsx, name="report_xlsx"),
]
