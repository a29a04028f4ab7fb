"""Joining: the address phones can use, a QR code that decodes to it, the teacher's key."""

import io

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from digitlab.classroom import joining


def test_the_qr_code_decodes_to_the_join_address():
    url = joining.join_url("http://192.168.1.20:8501")
    assert url == "http://192.168.1.20:8501/join"
    picture = Image.open(io.BytesIO(joining.qr_png(url)))
    results = zxingcpp.read_barcodes(np.asarray(picture.convert("L")))
    assert [result.text for result in results] == [url]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode


@pytest.mark.parametrize(
    ("host", "local"),
    [("localhost", True), ("127.0.0.1:8501", True), ("[::1]:8501", True), ("0.0.0.0", True), ("", True),
     ("192.168.1.20", False), ("192.168.1.20:8501", False), ("lab-pc.school.example", False)],
)  # fmt: skip
def test_local_addresses_are_told_apart_from_ones_a_phone_can_reach(host, local):
    assert joining.is_local(host) is local


def test_the_base_address_adds_the_port_only_when_missing():
    assert joining.base_url("192.168.1.20", 8501) == "http://192.168.1.20:8501"
    assert joining.base_url("192.168.1.20:9000", 8501) == "http://192.168.1.20:9000"
    assert joining.base_url("https://class.example/", 8501) == "https://class.example"
    assert joining.base_url("fe80::1", 8501) == "http://[fe80::1]:8501"


def test_lan_addresses_are_ipv4_and_never_loopback():
    assert all(not address.startswith("127.") and address.count(".") == 3 for address in joining.lan_addresses())


def test_the_teacher_key_is_readable_and_checked_in_any_case():
    key = joining.new_teacher_key()
    assert len(key) == 9 and key[4] == "-" and set(key.replace("-", "")) <= set(joining.KEY_ALPHABET)
    assert joining.is_teacher_key(key.lower().replace("-", " "), key)
    assert not joining.is_teacher_key("", key) and not joining.is_teacher_key(None, key)
    assert not joining.is_teacher_key("WRONG-KEY", key)
    assert joining.new_teacher_key() != key
