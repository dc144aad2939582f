"""The stand-in's RS256 signing key: generated once, kept under the state directory, served as a JWKS."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

_KEY_FILE = Path("idp") / "signing-key.json"


def load_signing_key(state_dir: Path, file: Path = _KEY_FILE) -> RSAKey:
    """The private key at ``state_dir / file`` (created on first use) so tokens stay verifiable across restarts."""
    path = state_dir / file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Google's key ids are opaque hex strings; any unique kid will do.
        key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(20), "use": "sig", "alg": "RS256"})
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(key.as_dict(private=True)))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # another starter may have won the race: keep its key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return RSAKey.import_key(json.loads(path.read_text()))


def public_jwks(key: RSAKey) -> dict[str, Any]:
    """The JWKS document relying parties (Cognito Identity) verify ID tokens with."""
    return {"keys": [key.as_dict(private=False)]}
