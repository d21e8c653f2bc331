from django.urls import path

from . import views

app_name = "attribution"

urlpatterns = [
    path("<slug:site>/visit/", views.register_visit, name="register"),
    path("<slug:site>/visit/check/", views.register_check, name="register_check"),
    path("<slug:site>/approvals/", views.approvals, name="approvals"),
    path("<slug:site>/approvals/day/", views.approval_day, name="approval_day"),
    path("<slug:site>/approvals/<int:entry_id>/", views.approval_review, name="approval_review"),
    path("<slug:site>/clients/", views.client_list, name="clients"),
    path("<slug:site>/clients/<int:client_id>/", views.client_page, name="client"),
    path("<slug:site>/clients/<int:client_id>/recognition/", views.client_recognition, name="client_recognition"),
    path("<slug:site>/clients/<int:client_id>/spouse/", views.client_spouse, name="client_spouse"),
    path("<slug:site>/clients/<int:client_id>/company/", views.client_company, name="client_company"),
    path("<slug:site>/clients/<int:client_id>/introduction/", views.client_introduction, name="client_introduction"),
    path("<slug:site>/clients/<int:client_id>/correction/", views.client_correction, name="client_correction"),
    path("<slug:site>/clients/<int:client_id>/dispute/", views.client_dispute, name="client_dispute"),
    path("<slug:site>/disputes/", views.disputes, name="disputes"),
    path("<slug:site>/disputes/<int:opinion_id>/", views.dispute_page, name="dispute"),
    path("<slug:site>/disputes/<int:opinion_id>/decide/", views.dispute_decide, name="dispute_decide"),
]
