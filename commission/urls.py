from django.urls import path

from . import views

app_name = "commission"

urlpatterns = [
    path("<slug:site>/deals/", views.deals, name="deals"),
    path("<slug:site>/deals/new/", views.deal_new, name="deal_new"),
    path("<slug:site>/deals/preview/", views.deal_preview, name="deal_preview"),
    path("<slug:site>/deals/company-arranged/", views.company_arranged, name="company_arranged"),
    path("<slug:site>/deals/<int:deal_id>/", views.deal_page, name="deal"),
    path("<slug:site>/deals/<int:deal_id>/change/", views.deal_change, name="deal_change"),
    path("<slug:site>/deals/<int:deal_id>/confirm/", views.deal_confirm, name="deal_confirm"),
    path("<slug:site>/deals/<int:deal_id>/cancel/", views.deal_cancel, name="deal_cancel"),
    path("<slug:site>/deals/<int:deal_id>/correct/", views.deal_correct, name="deal_correct"),
    path("mine/", views.my_commission, name="mine"),
    path("statements/", views.statement_index, name="statements"),
    path("statements/close/", views.month_close, name="month_close"),
    path("statements/<str:month>/", views.statement, name="statement"),
    path("statements/<str:month>.xlsx", views.statement_xlsx, name="statement_xlsx"),
    path("statements/<str:month>/<str:party>/<int:who>/", views.statement_lines, name="statement_lines"),
]
