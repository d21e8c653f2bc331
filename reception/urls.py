from django.urls import path

from . import reports, views

app_name = "reception"

urlpatterns = [
    path("<slug:site>/", views.board_page, name="board"),
    path("<slug:site>/state/", views.board_state, name="board_state"),
    path("<slug:site>/arrive/", views.arrive_walk_in, name="arrive"),
    path("<slug:site>/arrive/designated/", views.arrive_designated, name="arrive_designated"),
    path("<slug:site>/arrive/returning/", views.arrive_returning, name="arrive_returning"),
    path("<slug:site>/receptions/<int:reception_id>/end/", views.reception_end, name="reception_end"),
    path("<slug:site>/receptions/<int:reception_id>/change/", views.change_request_page, name="change_request"),
    path("<slug:site>/receptions/<int:reception_id>/void/", views.reception_void, name="reception_void"),
    path("<slug:site>/receptions/<int:reception_id>/left/", views.reception_left, name="reception_left"),
    path("<slug:site>/away/", views.mark_away, name="away"),
    path("<slug:site>/back/<int:member_id>/", views.back_at_post, name="back"),
    path("<slug:site>/rota/", views.rota_page, name="rota"),
    path("<slug:site>/absences/", views.absences_page, name="absences"),
    path("<slug:site>/violations/", views.violations_page, name="violations"),
    path("<slug:site>/phone/", views.phone_inquiries_page, name="phone"),
    path("<slug:site>/events/", views.events_page, name="events"),
    path("<slug:site>/report/", reports.report_page, name="report"),
    path("<slug:site>/report.xlsx", reports.report_xlsx, name="report_xlsx"),
]
