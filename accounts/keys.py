"""The server's one secret and the keys derived from it, so each kind of token is signed with its own key.

`SECRET_KEY` (the environment) or, when it is unset, a random key generated once into
`$NVR_DATA_DIR/secret_key` is the master. Nothing signs with the master itself: Django (sessions,
CSRF, password-reset links, `signing`), media tokens and Watcher JWTs each use `derive(master,
purpose)`, so a token of one kind never verifies as another, and a token signed with the raw key
(or with the old built-in default) is refused everywhere.

Settings imports this module before apps load: it must not import models.
"""

import hashlib
import hmac
import ipaddress
import os
import secrets
import time
from pathlib import Path

KEY_FILE_NAME = "secret_key"
MIN_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 8

# Purposes: one key each. Changing a label invalidates every token signed for that purpose.
DJANGO = "django"  # settings.SECRET_KEY: sessions, CSRF, messages, password-reset tokens
MEDIA_TOKEN = "media-token"
WATCHER_JWT = "watcher-jwt"
AUTH_STAMP = "auth-stamp"  # what ties sessions and media tokens to a user's password and epoch

# Keys that have been public: the old built-in default, and values people paste from examples.
KNOWN_KEYS = frozenset(
    {
        "nvr-insecure-embedded-default-change-me",
        "change-me",
        "changeme",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "insecure",
        "django-insecure",
    }
)


def derive(master: str, purpose: str) -> str:
    """HMAC-SHA256 of a purpose label under the master: a PRF, so derived keys reveal nothing of it.

    Hex, 64 characters, so Django's own key checks (length, variety) pass for the derived key.
    """
    return hmac.new(master.encode(), f"nvr/{purpose}".encode(), hashlib.sha256).hexdigest()


def key(purpose: str) -> str:
    """The running server's key for `purpose`."""
    from django.conf import settings

    return derive(settings.NVR_SECRET_KEY, purpose)


def weakness(master: str) -> str | None:
    """Why `master` is unfit to sign anything others may see, or None when it is fine."""
    if not master.strip():
        return "it is empty"
    if master.strip().lower() in KNOWN_KEYS or master.startswith("django-insecure-"):
        return "it is a published value"
    if len(master) < MIN_LENGTH:
        return f"it is shorter than {MIN_LENGTH} characters"
    if len(set(master)) < MIN_DISTINCT_CHARACTERS:
        return f"it has fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    return None


def is_known(master: str) -> bool:
    return weakness(master) == "it is a published value"


def is_loopback(host: str) -> bool:
    """Whether a bind address reaches only this machine; a host name other than localhost may not."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def key_file_load_or_create(data_dir: Path) -> str:
    """The key in `data_dir/secret_key`, written once (mode 0600) with a fresh random key if missing.

    Several processes start at once (web, workers, beat): the key is written to a private temporary
    file and hard-linked into place, which fails if another process got there first, so every
    process reads the one key that won and none ever reads a half-written file.
    """
    path = data_dir / KEY_FILE_NAME
    if not path.exists():
        _key_file_create(path, secrets.token_urlsafe(48) + "\n")
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # copied in with loose permissions: nobody else may read it
    master = path.read_text().strip()
    for _ in range(20):  # only without hard links: the winner may still be writing
        if master:
            break
        time.sleep(0.1)
        master = path.read_text().strip()
    problem = weakness(master)
    if problem:
        raise ValueError(f"{path} holds an unusable key ({problem}); delete it to generate a new one")
    return master


def _key_file_create(path: Path, content: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won; use its key
        except OSError:  # a filesystem without hard links: exclusive create, readers wait for content
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(fd, "w") as handle:
                handle.write(content)
    finally:
        tmp.unlink(missing_ok=True)
