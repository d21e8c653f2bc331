app_name = "vip"
urlpatterns: list = []
