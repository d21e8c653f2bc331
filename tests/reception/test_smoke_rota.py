from reception import services

from ..conftest import at, key, open_desk


def test_walk_ins_follow_the_rota_order_rec_rot_1(site, salespeople, supervisor):
    open_desk(site, salespeople, supervisor, at(2, 9))
    taken = [
        services.walk_in_arrive(site=site, actor=supervisor, request_key=key(), now=at(2, 10, i)).reception.salesperson
        for i in range(3)
    ]
    assert [u.username for u in taken] == ["ann", "bob", "cat"]
