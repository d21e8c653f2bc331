from django.urls import path

from . import views, views_client_actions, views_disputes, views_followups, views_referrals, views_reports

app_name = "attribution"

urlpatterns = [
    path("<slug:site>/visit/", views.register_visit, name="register"),
    path("<slug:site>/visit/check/", views.register_check, name="register_check"),
    path("<slug:site>/approvals/", views.approvals, name="approvals"),
    path("<slug:site>/approvals/day/", views.approval_day, name="approval_day"),
    path("<slug:site>/approvals/<int:entry_id>/", views.approval_review, name="approval_review"),
    path("<slug:site>/clients/", views.client_list, name="clients"),
    path("<slug:site>/clients/<int:client_id>/", views.client_page, name="client"),
    path(
        "<slug:site>/clients/<int:client_id>/recognition/",
        views_client_actions.client_recognition,
        name="client_recognition",
    ),
    path("<slug:site>/clients/<int:client_id>/spouse/", views_client_actions.client_spouse, name="client_spouse"),
    path("<slug:site>/clients/<int:client_id>/company/", views_client_actions.client_company, name="client_company"),
    path(
        "<slug:site>/clients/<int:client_id>/introduction/",
        views_client_actions.client_introduction,
        name="client_introduction",
    ),
    path(
        "<slug:site>/clients/<int:client_id>/correction/",
        views_client_actions.client_correction,
        name="client_correction",
    ),
    path("<slug:site>/clients/<int:client_id>/dispute/", views_client_actions.client_dispute, name="client_dispute"),
    path(
        "<slug:site>/clients/<int:client_id>/instigation/",
        views_client_actions.client_instigation,
        name="client_instigation",
    ),
    path("<slug:site>/disputes/", views_disputes.disputes, name="disputes"),
    path("<slug:site>/disputes/<int:opinion_id>/", views_disputes.dispute_page, name="dispute"),
    path("<slug:site>/disputes/<int:opinion_id>/decide/", views_disputes.dispute_decide, name="dispute_decide"),
    # Employee referrals (ATT-EMP-1..5): any staff member, any project.
    path("referrals/new/", views_referrals.referral_new, name="referral_new"),
    path("referrals/mine/", views_referrals.my_referrals, name="my_referrals"),
    path("referrals/<int:referral_id>/form/", views_referrals.referral_print, name="referral_print"),
    path("<slug:site>/referrals/", views_referrals.site_referrals, name="site_referrals"),
    path("<slug:site>/referrals/<int:referral_id>/confirm/", views_referrals.referral_confirm, name="referral_confirm"),
    # Follow-ups (ATT-FU-1/2).
    path("<slug:site>/follow-ups/", views_followups.my_follow_ups, name="my_follow_ups"),
    path("<slug:site>/follow-ups/review/", views_followups.follow_up_review, name="follow_up_review"),
    path("<slug:site>/follow-ups/<int:follow_up_id>/done/", views_followups.follow_up_done, name="follow_up_done"),
    # The sales assistant's weekly client report (ATT-FU-3) and register archive (ATT-REG-1).
    path("weekly/", views_reports.weekly_reports, name="weekly_reports"),
    path("weekly/<str:week>/", views_reports.weekly_report, name="weekly_report"),
    path("weekly/<str:week>.xlsx", views_reports.weekly_report_xlsx, name="weekly_report_xlsx"),
    path("<slug:site>/archive/", views_reports.register_archive, name="register_archive"),
    path("<slug:site>/archive.xlsx", views_reports.register_archive_xlsx, name="register_archive_xlsx"),
]
