"""The server's half of Cognito's SRP-6a (``USER_SRP_AUTH``), as amazon-cognito-identity-js computes the client's.

The client never sends its password: it sends ``A = g^a``, receives the salt and
``B = k·v + g^b``, and proves it knows the password with an HMAC, keyed by the
shared session key, over the pool name, the user id, the secret block and a
timestamp. The group (RFC 5054's 3072-bit prime, g = 2), the hex padding rule
and the "Caldera Derived Key" HKDF info are Cognito's, from
amazon-cognito-identity-js's ``AuthenticationHelper``. HKDF is cryptography's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16)
G = 2
_INFO = b"Caldera Derived Key"


def pad_hex(value: int) -> str:
    """Hex of a non-negative integer as the JS client hashes it: even length, a leading 00 if the top bit is set."""
    text = f"{value:x}"
    if len(text) % 2:
        return "0" + text
    return "00" + text if text[0] in "89abcdef" else text


def _hash_hex(hex_text: str) -> int:
    return int(hashlib.sha256(bytes.fromhex(hex_text)).hexdigest(), 16)


K = _hash_hex(pad_hex(N) + pad_hex(G))


def password_verifier(pool_name: str, user_id: str, password: str, salt: int) -> int:
    """``v = g^x``, x = H(salt | H(pool name, user id, ':', password)): what AWS keeps instead of the password."""
    inner = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
    return pow(G, _hash_hex(pad_hex(salt) + inner), N)


@dataclass(frozen=True)
class Challenge:
    """One sign-in attempt's server values: the salt and B go to the client, b stays here."""

    salt: int
    verifier: int
    b: int
    big_b: int

    @classmethod
    def start(cls, pool_name: str, user_id: str, password: str) -> Challenge:
        """A fresh challenge for a user whose password the pool knows."""
        salt = secrets.randbits(128)
        verifier = password_verifier(pool_name, user_id, password, salt)
        b = secrets.randbits(1024)
        return cls(salt, verifier, b, (K * verifier + pow(G, b, N)) % N)

    def session_key(self, big_a: int) -> bytes:
        """The 16-byte key both sides derive: HKDF(S, salt = u) with S = (A·v^u)^b."""
        u = _hash_hex(pad_hex(big_a) + pad_hex(self.big_b))
        shared = pow(big_a * pow(self.verifier, u, N), self.b, N)
        return HKDF(SHA256(), length=16, salt=bytes.fromhex(pad_hex(u)), info=_INFO).derive(
            bytes.fromhex(pad_hex(shared)))

    def signature_matches(self, *, big_a: int, pool_name: str, user_id: str, secret_block: str, timestamp: str,
                          signature: str) -> bool:
        """True when the client's PASSWORD_CLAIM_SIGNATURE proves it derived the same key (so knows the password)."""
        if big_a % N == 0:  # A = 0 (mod N) would make the key independent of the password: SRP-6a refuses it
            return False
        message = pool_name.encode() + user_id.encode() + base64.b64decode(secret_block) + timestamp.encode()
        expected = base64.b64encode(hmac.new(self.session_key(big_a), message, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, signature)
