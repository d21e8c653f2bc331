"""Long text never breaks the board (issue 15): long names and client labels, in English and in Chinese, on a
1024×768 tablet and a 390×844 phone. Nothing overflows the page sideways and every "Reception ended" button stays
on screen."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reception import services
from salesoffice.models import StaffProfile

from ..conftest import key, open_desk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LONG_LABEL_EN = (
    "Mr Alexander Featherstonehaugh-Cholmondeley with his wife, two children and their grandmother, "
    "asking about tower B penthouses"
)
LONG_LABEL_ZH = (
    "欧阳先生一家五口带着孩子和老人来看B座顶层复式单位并询问付款方式贷款比例车位价格和物业管理费以及学区划分等问题" * 2
)
UNBROKEN = "Client-" + "X" * 113  # 120 characters and not one place to break a line

MEASURE = """
() => {
  const root = document.documentElement;
  const selector = "[data-testid^=end-], [data-testid^=left-], [data-testid=client-arrived]";
  const buttons = [...document.querySelectorAll(selector)];
  const outside = (b) => { const r = b.getBoundingClientRect(); return r.left < 0 || r.right > root.clientWidth; };
  return {
    scroll: root.scrollWidth,
    client: root.clientWidth,
    off: buttons.filter(outside).map((b) => b.dataset.testid),
    count: buttons.length,
  };
}
"""


def test_long_names_and_labels_never_push_the_board_off_screen(site, salespeople, supervisor, terminals):
    ann, bob, cat = salespeople[:3]
    ann.first_name, ann.last_name = "Anastasia-Maximiliana", "Featherstonehaugh-Cholmondeley-Worthington"
    bob.first_name, bob.last_name = "欧阳", "诸葛慕容司马上官皇甫令狐东方西门长孙宇文"
    cat.first_name = "Catherine-" + "Y" * 60
    for person in (ann, bob, cat):
        person.save(update_fields=["first_name", "last_name"])
    now = timezone.now()
    open_desk(site, [ann, bob, cat], supervisor, now)
    for label in (LONG_LABEL_EN, LONG_LABEL_ZH, UNBROKEN, UNBROKEN + " waiting"):
        services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=now, client_label=label[:120])

    desk = terminals(site, "supervisor")
    page = desk.page
    for language in ("en", "zh-hans"):
        StaffProfile.objects.update_or_create(user=supervisor, defaults={"language": language})
        for width, height in ((1024, 768), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(desk.board_url)
            expect(page.locator("html")).to_have_attribute("lang", language)
            expect(page.get_by_test_id("waiting")).to_be_visible()
            measured = page.evaluate(MEASURE)
            where = f"{language} at {width}×{height}"
            assert measured["count"] >= 4, where  # three "Reception ended", one "left", "Client arrived"
            assert measured["scroll"] <= measured["client"], f"the board overflows sideways ({where}): {measured}"
            assert not measured["off"], f"buttons off screen ({where}): {measured['off']}"
