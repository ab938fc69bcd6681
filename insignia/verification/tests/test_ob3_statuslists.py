"""Revocation status lists: index allocation, the bit flip on revoke, and the served list."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from insignia.awards.services import award_revoke
from insignia.core.audit import Actor
from insignia.openbadges import statuslist
from insignia.testing.factories import AwardFactory, BadgeTemplateFactory
from insignia.verification import credentials
from insignia.verification.models import StatusAllocation, StatusList
from insignia.verification.statuslists import status_allocation_ensure

pytestmark = pytest.mark.django_db
CLI = Actor.system("cli")


def served_bits(status_list: StatusList) -> tuple[bytes, dict]:
    response = Client().get(f"/status/{status_list.public_id}")
    document = json.loads(response.content)
    return statuslist.decode_list(document["credentialSubject"]["encodedList"]), response


def test_indexes_are_allocated_in_order_once_per_award(template):
    awards = [AwardFactory(template=template) for _ in range(3)]
    allocations = [status_allocation_ensure(award=a) for a in awards]
    assert [a.index for a in allocations] == [0, 1, 2]
    assert len({a.status_list_id for a in allocations}) == 1
    assert status_allocation_ensure(award=awards[1]).index == 1  # idempotent
    assert StatusList.objects.get().next_index == 3


def test_each_issuer_has_its_own_list(template):
    other = AwardFactory(template=BadgeTemplateFactory())
    mine = status_allocation_ensure(award=AwardFactory(template=template))
    theirs = status_allocation_ensure(award=other)
    assert mine.status_list_id != theirs.status_list_id
    assert mine.index == theirs.index == 0


def test_a_full_list_is_followed_by_a_new_one_and_indexes_are_never_reused(template):
    first = status_allocation_ensure(award=AwardFactory(template=template)).status_list
    StatusList.objects.filter(pk=first.pk).update(next_index=first.size)
    allocation = status_allocation_ensure(award=AwardFactory(template=template))
    assert allocation.status_list.sequence == 2 and allocation.index == 0
    assert allocation.status_list.size >= statuslist.MIN_ENTRIES


def test_revoking_flips_the_bit_in_the_same_transaction(award):
    allocation = status_allocation_ensure(award=award)
    before = StatusList.objects.get(pk=allocation.status_list_id)
    award_revoke(actor=CLI, award=award, reason="Misconduct.")
    after = StatusList.objects.get(pk=before.pk)
    assert statuslist.get_bit(bytes(after.bits), allocation.index)
    assert after.version == before.version + 1


def test_revoking_an_award_without_a_bit_allocates_and_sets_it(award):
    award_revoke(actor=CLI, award=award, reason="Misconduct.")
    allocation = StatusAllocation.objects.get(award=award)
    assert statuslist.get_bit(bytes(allocation.status_list.bits), allocation.index)


def test_a_failed_revoke_rolls_back_the_bit(award):
    allocation = status_allocation_ensure(award=award)
    award_revoke(actor=CLI, award=award, reason="Once.")
    version = StatusList.objects.get(pk=allocation.status_list_id).version
    with pytest.raises(Exception, match="already revoked"):
        award_revoke(actor=CLI, award=award, reason="Twice.")
    assert StatusList.objects.get(pk=allocation.status_list_id).version == version


def test_the_served_list_is_a_signed_bitstring_status_list_credential(award):
    allocation = status_allocation_ensure(award=award)
    bits, response = served_bits(allocation.status_list)
    assert response.status_code == 200 and response["Content-Type"] == "application/vc"
    document = json.loads(response.content)
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["issuer"] == credentials.issuer_id(award.issuer.public_id)
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["credentialSubject"]["statusPurpose"] == "revocation"
    assert len(bits) * 8 >= statuslist.MIN_ENTRIES and not any(bits)
    assert response["Cache-Control"].startswith("public")


def test_the_list_etag_changes_when_an_award_is_revoked(award):
    allocation = status_allocation_ensure(award=award)
    _, before = served_bits(allocation.status_list)
    assert (
        Client()
        .get(f"/status/{allocation.status_list.public_id}", HTTP_IF_NONE_MATCH=before["ETag"])
        .status_code
        == 304
    )
    award_revoke(actor=CLI, award=award, reason="Misconduct.")
    bits, after = served_bits(allocation.status_list)
    assert after["ETag"] != before["ETag"]
    assert statuslist.get_bit(bits, allocation.index)
    assert (
        Client()
        .get(f"/status/{allocation.status_list.public_id}", HTTP_IF_NONE_MATCH=before["ETag"])
        .status_code
        == 200
    )


def test_the_credential_names_its_list_and_index(award):
    document = json.loads(Client().get(f"/badges/{award.public_id}/credential.json").content)
    allocation = StatusAllocation.objects.get(award=award)
    status = document["credentialStatus"]
    assert status["statusListCredential"] == credentials.status_list_url(
        allocation.status_list.public_id
    )
    assert status["statusListIndex"] == str(allocation.index)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_share_an_index():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only contended on PostgreSQL; SQLite serialises writers")
    template = BadgeTemplateFactory()
    awards = [AwardFactory(template=template) for _ in range(12)]
    errors: list[BaseException] = []

    def work(chunk):
        try:
            for award in chunk:
                status_allocation_ensure(award=award)
                status_allocation_ensure(award=award)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(awards[i::4] + awards[:2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    indexes = sorted(StatusAllocation.objects.values_list("index", flat=True))
    assert indexes == list(range(12))
    assert StatusList.objects.get().next_index == 12
