"""The till API, mounted at /store/api/ (see vip/api.py); its OpenAPI schema at /store/api/schema/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from . import api

urlpatterns = [
    path("v1/members/", api.MemberLookup.as_view(), name="api_member"),
    path("v1/quotes/", api.QuoteView.as_view(), name="api_quote"),
    path("v1/purchases/", api.PurchaseCreate.as_view(), name="api_purchases"),
    path("v1/redemptions/", api.RedemptionCreate.as_view(), name="api_redemptions"),
    path("v1/returns/", api.ReturnCreate.as_view(), name="api_returns"),
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
        name="api_schema",
    ),
]
