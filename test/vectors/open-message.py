#!/usr/bin/env python3
"""Opens the private-message vectors of message-envelopes.json with Python's
`cryptography` package: a second implementation of the envelope of
docs/PROTOCOL.md §2 ("Private messages"), written from that text alone.
Prints one line per vector and reader; exits 1 on any mismatch.
Run: python3 test/vectors/open-message.py [test/vectors/message-envelopes.json]"""
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SLOTS, SLOT_BYTES = 9, 48
SIZE_CLASSES = [512, 1024, 2048, 4096, 8192]


def hkdf(ikm, salt, info, n):
    return HKDF(algorithm=hashes.SHA256(), length=n, salt=salt, info=info).derive(ikm)


def dm_keys(seed):
    secret = hkdf(seed, b"", b"kiez/dm/1 x25519", 32)
    pub = X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes_raw()
    return secret, pub


def open_envelope(env, secret, pub):
    """(from, [to], text) or None when this key cannot read it."""
    if len(env) not in [1 + 32 + SLOTS * SLOT_BYTES + c + 16 for c in SIZE_CLASSES] or env[0] != 1:
        return None
    e = env[1:33]
    shared = X25519PrivateKey.from_private_bytes(secret).exchange(X25519PublicKey.from_public_bytes(e))
    okm = hkdf(shared, e + pub, b"kiez/dm/1 slot", 44)
    k = None
    for i in range(SLOTS):
        slot = env[33 + i * SLOT_BYTES: 33 + (i + 1) * SLOT_BYTES]
        try:
            k = ChaCha20Poly1305(okm[:32]).decrypt(okm[32:], slot, e)
            break
        except InvalidTag:
            continue
    if k is None:
        return None
    body_at = 33 + SLOTS * SLOT_BYTES
    okm = hkdf(k, e, b"kiez/dm/1 body", 44)
    padded = ChaCha20Poly1305(okm[:32]).decrypt(okm[32:], env[body_at:], env[:body_at])
    n = int.from_bytes(padded[:2], "big")
    inner = padded[2:2 + n]
    assert all(b == 0 for b in padded[2 + n:]), "padding is zeros"
    count = inner[32]
    to = [inner[33 + 32 * i: 65 + 32 * i].hex() for i in range(count)]
    return inner[:32].hex(), to, inner[33 + 32 * 8:].decode("utf-8")


def main():
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("message-envelopes.json"))
    vectors = json.loads(path.read_text())
    bad = 0
    for v in vectors:
        env = bytes.fromhex(v["envelope"])
        for name, p in v["people"].items():
            secret, pub = dm_keys(bytes.fromhex(p["seed"]))
            if secret.hex() != p["dmSecret"] or pub.hex() != p["dmKey"]:
                print(f"FAIL {name}: derived X25519 key differs")
                bad += 1
                continue
            got = open_envelope(env, secret, pub)
            if name in v["readers"]:
                want = (v["people"][v["sender"]]["author"], [v["people"][r]["author"] for r in v["recipients"]], v["text"])
                ok = got == want
            else:
                ok = got is None
            print(f"{'ok  ' if ok else 'FAIL'} {v['description']}: {name} {'reads it' if got else 'cannot read it'}")
            bad += 0 if ok else 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
