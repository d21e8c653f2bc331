app_name = "service_desk"
urlpatterns: list = []
