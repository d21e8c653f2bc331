from django.urls import path

from . import views, views_report, views_rota

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
    path("<slug:site>/rota/", views_rota.rota_page, name="rota"),
    # One view per action on the rota page, each at its own URL.
    path("<slug:site>/rota/swap/", views_rota.rota_swap, name="rota_swap"),
    path("<slug:site>/rota/up/", views_rota.rota_up, name="rota_up"),
    path("<slug:site>/rota/down/", views_rota.rota_down, name="rota_down"),
    path("<slug:site>/rota/roster/", views_rota.rota_roster, name="rota_roster"),
    path("<slug:site>/rota/readiness/", views_rota.rota_readiness, name="rota_readiness"),
    path("<slug:site>/absences/", views.absences_page, name="absences"),
    path("<slug:site>/absences/decide/", views.absence_decide, name="absence_decide"),
    path("<slug:site>/violations/", views.violations_page, name="violations"),
    path("<slug:site>/phone/", views.phone_inquiries_page, name="phone"),
    path("<slug:site>/events/", views.events_page, name="events"),
    path("<slug:site>/report/", views_report.report_page, name="report"),
    path("<slug:site>/report.xlsx", views_report.report_xlsx, name="report_xlsx"),
]
