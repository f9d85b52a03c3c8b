"""Issue 15 (part A) schemes: forums (vBulletin, MyBB, SMF, XenForo, Invision, Discourse), CMSs (MediaWiki,
Moodle, Ghost) and shops (OpenCart, PrestaShop).

Known answers (``tests/vectors/<app>-generated.jsonl``, provenance in ``tests/vectors/README.md``), malformed
and over-cost stored values, the PHP-serialisation parser and property tests against hashes made by
independent code (``hashlib``/``bcrypt``/libpass, constructions written out here from the apps' sources).
"""

from __future__ import annotations

import contextlib
import hashlib

import bcrypt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from passlib.hash import sha512_crypt

from legacy_auth.errors import CorruptHashError, HashError
from legacy_auth.hashing import SCHEMES, cms_schemes, forum_schemes, shop_schemes
from legacy_auth.hashing.forum_schemes import ipb_legacy_escape
from legacy_auth.hashing.php_serial import MAX_INPUT_BYTES, php_unserialize
from legacy_auth.hashing.shop_schemes import opencart3_input, opencart4_input

from .scheme_vectors import load_scheme_vectors
from .vectors import load_vectors

VECTORS = load_scheme_vectors()
NEW_SCHEMES = [s.name for m in (forum_schemes, cms_schemes, shop_schemes) for s in m.ALL]
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_B64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _ids(cases: list[tuple[str, str, dict[str, str]]]) -> list[str]:
    return [f"{case[0]}-{i}" for i, case in enumerate(cases)]


def _verify(scheme: str, password: str, stored: str, **fields: object) -> bool:
    return SCHEMES[scheme].verify(password, stored, **fields)


# ---------------------------------------------------------------- known answers


def test_no_vector_is_left_at_scheme_level_every_app_is_wired() -> None:
    # every issue 15 app runs its vectors through its own get_context (test_known_answers.py pins the counts)
    assert VECTORS == []


def test_every_new_scheme_has_a_positive_vector_and_is_registered() -> None:
    # an app wired since (its vectors run through get_context in test_known_answers.py) counts too
    positive = {v.scheme for v in VECTORS if v.expect} | {v.expected_scheme for v in load_vectors() if v.expect}
    assert set(NEW_SCHEMES) <= positive
    assert all(SCHEMES[name].name == name for name in NEW_SCHEMES)


# ---------------------------------------------------------------- malformed and over-cost values

_XF_HASH = "a" * 64
MALFORMED = [
    ("mybb_md5", "0" * 31, {}),
    ("vbulletin_md5_salt", "f" * 32, {}),  # the salt row field is required
    ("vbulletin5_legacy", "z" * 32 + " salt", {}),
    ("smf_sha1", "A" * 40, {"username": "u"}),
    ("smf_bcrypt", "$2y$04$" + "a" * 53, {}),  # no username
    ("invision_md5", "a" * 32, {}),
    ("opencart_sha1", "a" * 40, {}),
    ("prestashop_md5", "a" * 32, {}),  # no cookie key: cannot be checked
    ("discourse_pbkdf2_sha256", "a" * 64, {}),
    ("discourse_pbkdf2_sha256", "a" * 64, {"salt": "ab", "algorithm": "$pbkdf2-sha256$i=1000,l=64$"}),
    ("discourse_pbkdf2_sha256", "a" * 64, {"salt": "ab", "algorithm": "$argon2id$"}),
    ("xenforo_core", 'a:3:{s:4:"hash";s:64:"' + _XF_HASH + '";s:4:"salt";s:1:"x";s:8:"hashFunc";s:3:"md5";}', {}),
    ("xenforo_core", 'a:3:{s:4:"hash";s:64:"' + _XF_HASH + '";s:4:"salt";s:9:"x";s:8:"hashFunc";s:6:"sha256";}', {}),
    ("xenforo_core", 'a:3:{s:4:"hash";i:1;s:4:"salt";s:1:"x";s:8:"hashFunc";s:6:"sha256";}', {}),
    ("xenforo_core", 'a:3:{s:4:"hash";s:64:"' + _XF_HASH + '";s:4:"salt";O:8:"stdClass":0:{}s:8:"hashFunc";}', {}),
    ("xenforo_core12", 'a:1:{s:4:"hash";s:60:"$2y$04$' + "a" * 52 + '";}', {}),
    ("mediawiki_md5", ":A:" + "g" * 32, {}),
    ("mediawiki_pbkdf2", ":pbkdf2:whirlpool:1000:64:c2FsdA==:AAAA", {}),
    ("mediawiki_pbkdf2", ":pbkdf2:sha512:0:64:c2FsdA==:AAAA", {}),
    ("mediawiki_pbkdf2", ":pbkdf2:sha512", {}),
    ("mediawiki_pbkdf2_legacy", ":pbkdf2-legacyB:x!sha512:1000:64!ab!c2FsdA==!AAAA", {}),
    ("mediawiki_bcrypt", ":bcrypt:5$short$hash", {}),
    ("mediawiki_pbkdf2", ":pbkdf2:sha512:1000:256:c2FsdA==:" + "A" * 344, {}),  # > 255 bytes: MediaWiki refuses
    ("mediawiki_argon2", ":argon2:$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$" + "A" * 43, {}),
    ("moodle_md5", "a" * 32, {"alt_salts": "not-a-list"}),
    ("ghost_bcryptjs", "$2a$04$" + "a" * 10, {}),
]


@pytest.mark.parametrize(("scheme", "stored", "fields"), MALFORMED, ids=_ids(MALFORMED))
def test_malformed_stored_values_raise_the_documented_error(scheme: str, stored: str, fields: dict[str, str]) -> None:
    with pytest.raises(CorruptHashError):
        _verify(scheme, "correct horse", stored, **fields)


OVER_COST = [
    ("smf_bcrypt", "$2y$18$" + "a" * 53, {"username": "u"}),
    ("invision_bcrypt", "$2a$31$" + "a" * 53, {}),
    ("vbulletin5_bcrypt_md5", "$2y$20$" + "a" * 53, {}),
    ("ghost_bcryptjs", "$2b$25$" + "a" * 53, {}),
    ("xenforo_core12", 'a:1:{s:4:"hash";s:60:"$2y$19$' + "a" * 53 + '";}', {}),
    ("discourse_pbkdf2_sha256", "a" * 64, {"salt": "ab", "algorithm": "$pbkdf2-sha256$i=2000001,l=32$"}),
    ("mediawiki_pbkdf2", ":pbkdf2:sha512:2000001:64:c2FsdA==:AAAA", {}),
    ("mediawiki_pbkdf2", ":pbkdf2:sha1:1000000:1024:c2FsdA==:AAAA", {}),  # 52 output blocks x 1e6 rounds
    ("mediawiki_pbkdf2_legacy", ":pbkdf2-legacyA:!sha512:99999999:64!!c2FsdA==!AAAA", {}),
    ("mediawiki_bcrypt", ":bcrypt:31$" + "a" * 22 + "$" + "a" * 31, {}),
    ("sha512_crypt", "$6$rounds=999999999$salt$" + "a" * 86, {}),
]


@pytest.mark.parametrize(("scheme", "stored", "fields"), OVER_COST, ids=_ids(OVER_COST))
def test_costs_no_lambda_could_verify_in_time_are_refused(scheme: str, stored: str, fields: dict[str, str]) -> None:
    with pytest.raises(CorruptHashError):
        _verify(scheme, "correct horse", stored, **fields)


def test_moodle_not_cached_marker_and_mediawiki_layers_without_salt_never_match() -> None:
    assert SCHEMES["moodle_md5"].identify("not cached") is False
    layered = ":pbkdf2-legacyB:!sha1:1:20!!c2FsdA==!DGDID5YfDnHzqbUkr2ASBi/gN6Y="
    assert _verify("mediawiki_pbkdf2_legacy", "password", layered) is False


# ---------------------------------------------------------------- PHP serialisation parser


def test_php_unserialize_reads_the_scalar_and_array_subset() -> None:
    data = 'a:5:{s:4:"hash";s:3:"abc";i:7;b:1;s:1:"n";N;s:1:"d";d:0.5;s:1:"a";a:1:{i:0;i:-3;}}'
    assert php_unserialize(data, "t") == {b"hash": b"abc", 7: True, b"n": None, b"d": 0.5, b"a": {0: -3}}
    assert php_unserialize('s:2:"é";', "t") == "é".encode()  # lengths are UTF-8 byte counts


@pytest.mark.parametrize("data", [
    'O:8:"stdClass":0:{}',  # objects are never instantiated
    'C:11:"ArrayObject":21:{x:i:0;a:0:{};m:a:0:{}}',
    'a:1:{i:0;r:1;}',
    'a:1:{i:0;R:1;}',
    'E:7:"Foo:Bar";',
    'a:1:{i:0;a:1:{i:0;a:1:{i:0;a:0:{}}}}',  # nested deeper than three arrays
    'a:33:{' + "".join(f"i:{i};i:0;" for i in range(33)) + "}",
    's:99:"short";',
    's:5:"short"',
    'i:1;i:2;',
    'a:1:{a:0:{}i:0;}',  # array as a key
    'b:2;',
    'i:99999999999999999999;',
    'a:2:{i:0;i:1;}',
    "",
    'a:1:{s:4:"hash";s:' + str(MAX_INPUT_BYTES) + ':"' + "x" * MAX_INPUT_BYTES + '";}',
])
def test_php_unserialize_refuses_everything_else_with_a_typed_error(data: str) -> None:
    with pytest.raises(CorruptHashError):
        php_unserialize(data, "xenforo_core")


@FAST
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_php_unserialize_never_raises_an_untyped_error(data: str | bytes) -> None:
    with contextlib.suppress(CorruptHashError):
        php_unserialize(data, "xenforo_core")


@FAST
@given(st.sampled_from(NEW_SCHEMES), st.text(max_size=120), st.text(max_size=20))
def test_hostile_stored_values_only_ever_raise_hash_errors(scheme: str, tail: str, password: str) -> None:
    target = SCHEMES[scheme]
    stored = (target.prefixes[0] if target.prefixes else "") + tail
    fields = {"salt": "s4lt", "username": "User", "cookie_key": "k", "site_salt": "x"}
    try:
        result = target.verify(password, stored, **fields)
    except HashError:
        return
    assert isinstance(result, bool)


# ---------------------------------------------------------------- properties against independent hashers

no_nul = st.text(alphabet=st.characters(blacklist_characters="\0", blacklist_categories=["Cs"]), max_size=40)
salts = st.text(alphabet=_B64, min_size=1, max_size=16)


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()  # noqa: S324 - the legacy constructions under test


@FAST
@given(no_nul, salts)
def test_salted_md5_forum_and_shop_constructions_verify_their_own_hashes(password: str, salt: str) -> None:
    pw, s = password.encode(), salt.encode()
    if salt == "0":  # PHP-falsy: MyBB draws a new salt, so the row never matches (a vector pins that)
        salt, s = "00", b"00"
    assert _verify("mybb_md5", password, _md5(_md5(s).encode() + _md5(pw).encode()), salt=salt)
    vb_md5 = _md5(password.strip(" \t\n\r\0\x0b").encode())  # vB 3/4 without JavaScript: md5(trim($password))
    assert _verify("vbulletin_md5_salt", password, _md5(vb_md5.encode() + s), salt=salt)
    assert _verify("prestashop_md5", password, _md5(s + pw), cookie_key=salt)
    sha1 = lambda d: hashlib.sha1(d).hexdigest().encode()  # noqa: E731, S324
    assert _verify("opencart_sha1", password, sha1(s + sha1(s + sha1(pw))).decode(), salt=salt)
    assert _verify("smf_sha1", password, sha1(salt.lower().encode() + pw).decode(), username=salt)
    assert _verify("mybb_md5", password + "x", _md5(_md5(s).encode() + _md5(pw).encode()), salt=salt) is False


@FAST
@given(no_nul.filter(lambda p: len(p.encode()) <= 60), st.text(alphabet="ABCDEFabcdef", min_size=1, max_size=8))
def test_bcrypt_based_schemes_verify_hashes_made_by_the_bcrypt_package(password: str, user: str) -> None:
    pw = password.encode()
    assert _verify("smf_bcrypt", password, bcrypt.hashpw(user.lower().encode() + pw, bcrypt.gensalt(4)).decode(),
                   username=user)
    ncr = "".join(f"&#{ord(c)};" if 0x80 <= ord(c) <= 0xFFFF else c for c in password.strip(" \t\n\r\0\x0b"))
    md5_hex = _md5(ncr.encode()).encode()  # vB 5 encodePassword: md5(ncrEncode(trim($password), true))
    assert _verify("vbulletin5_bcrypt_md5", password, bcrypt.hashpw(md5_hex, bcrypt.gensalt(4)).decode())
    if pw:
        assert _verify("ghost_bcryptjs", password, bcrypt.hashpw(pw, bcrypt.gensalt(4)).decode())
    xf = bcrypt.hashpw(pw, bcrypt.gensalt(4)).decode()
    assert _verify("xenforo_core12", password, 'a:1:{s:4:"hash";s:60:"' + xf + '";}')


@settings(max_examples=10, deadline=None)
@given(no_nul)
def test_sha512_crypt_verifies_libpass_hashes(password: str) -> None:
    stored = sha512_crypt.using(rounds=1000).hash(password)
    assert _verify("sha512_crypt", password, stored) is True
    assert _verify("sha512_crypt", password + "!", stored) is False


@FAST
@given(no_nul, salts)
def test_xenforo_core_verifies_php_serialised_rows(password: str, salt: str) -> None:
    inner = hashlib.sha256(password.encode()).hexdigest()
    digest = hashlib.sha256(inner.encode() + salt.encode()).hexdigest()
    data = f's:4:"hash";s:64:"{digest}";s:4:"salt";s:{len(salt)}:"{salt}";s:8:"hashFunc";s:6:"sha256";'
    assert _verify("xenforo_core", password, "a:3:{" + data + "}") is True


def test_ipb_legacy_escape_follows_ips_replacement_order() -> None:
    assert ipb_legacy_escape("<!-- x -->") == "&#60;&#33;-- x --&#62;"
    assert ipb_legacy_escape("<ScRiPt>") == "&#60;script&gt;"
    assert ipb_legacy_escape("a&b\"c'd\\e$f!g\nh") == "a&amp;b&quot;c&#39;d&#092;e&#036;f&#33;g<br />h"
    assert ipb_legacy_escape("<\u017fcript>") == "&lt;\u017fcript&gt;"  # str_ireplace folds ASCII only


def test_opencart_inputs_escape_in_version_3_and_trim_in_version_4() -> None:
    assert opencart3_input(" a&'\"<> ") == [" a&amp;'&quot;&lt;&gt; "]
    assert opencart4_input(" \ta&b\n") == ["a&b"]



def test_smf_lowers_a_final_capital_sigma_both_ways_php_did() -> None:
    assert forum_schemes.smf_lower_variants("ΟΔΟΣ") == ["οδοσ", "οδος"]  # PHP <= 8.2, PHP >= 8.3 / SMF 2.1.4
    assert forum_schemes.smf_lower_variants("İSTANBUL") == ["i\u0307stanbul"]
    assert forum_schemes.smf_lower_variants("J&#214;RG") == ["j&#214;rg", "jörg"]  # 2.1.4 decodes entities
    assert forum_schemes.smf_lower_variants("J&#60;") == ["j&#60;", "j&lt;"]  # HTML specials: named entities


#: SMF 2.1.4's own $smcFunc['strtolower'] (Load.php convert_case + Subs-Charset.php, PHP 8.2.36), input -> output
SMF_214_LOWER = [
    ("J&#60;", "j&lt;"), ("A&#x3C;B", "a<b"), ("&#060;x", "<x"), ("&#214;&#xD6;&#XD6;", "öö&#xd6;"),
    ("&#1114112;", "&#1114112;"), ("&#55296;", ""), ("&#0;a", "\x00a"), ("ΟΔΟΣ", "οδος"),
    ("Cafe\u0301", "café"), ("&#00000065;", "a"),
]


@pytest.mark.parametrize(("name", "lowered"), SMF_214_LOWER)
def test_smf_lowering_matches_smf_2_1_4_output(name: str, lowered: str) -> None:
    assert forum_schemes.smf_lower_variants(name)[-1] == lowered


def test_smf_login_decodes_html_entities_and_refuses_empty() -> None:
    assert forum_schemes.smf_input("a&lt;b&amp;c&#039;&#39;&nbsp;&quot;&gt;&amp;lt;") == ["a<b&c'' \">&lt;"]
    assert forum_schemes.smf_input("") == []
