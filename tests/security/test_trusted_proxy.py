"""Throttling behind a reverse proxy (nvr_project/proxy.py): the proxy's word counts, a client's does not.

Without it, every client behind the proxy shares the proxy's address, so one attacker's guesses
delay everybody; and trusting any client's X-Forwarded-For would let an attacker pick a new
address for every guess.
"""

from accounts.models import LoginFailure
from tests.dialects.flussonic.conftest import BASE, basic
from tests.factories import PASSWORD

PROXY = "10.1.2.3"
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def login_via_proxy(client, client_address, secret=PASSWORD, peer=PROXY, forwarded_for=None):
    forwarded = forwarded_for if forwarded_for is not None else f"{client_address}"
    return client.post(
        BASE + "/login", **basic("alice", secret), REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded
    )


def test_behind_a_trusted_proxy_the_owner_gets_in_while_an_attacker_hammers(world, client, settings):
    settings.NVR_TRUSTED_PROXIES = ["10.0.0.0/8"]
    codes = [login_via_proxy(client, ATTACKER, "wrong guess").status_code for _ in range(30)]
    assert codes[-1] == 429  # the attacker is slowed down...
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert login_via_proxy(client, OWNER).status_code == 200  # ...the owner, behind the same proxy, is not


def test_the_clients_own_entries_left_of_the_proxys_prove_nothing(world, client, settings):
    settings.NVR_TRUSTED_PROXIES = [PROXY]
    for n in range(30):  # the attacker writes a fresh address each time; the proxy appends the real one
        login_via_proxy(client, None, "wrong guess", forwarded_for=f"192.0.2.{n}, {ATTACKER}")
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_an_untrusted_peer_cannot_choose_its_address(world, client, settings):
    settings.NVR_TRUSTED_PROXIES = [PROXY]
    for n in range(30):
        login_via_proxy(client, f"192.0.2.{n}", "wrong guess", peer=ATTACKER)
    assert set(LoginFailure.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert login_via_proxy(client, "192.0.2.200", "wrong guess", peer=ATTACKER).status_code == 429
