from bot.core.privacy import mask


def test_cccd_phone_and_email_are_masked() -> None:
    text = mask("cccd 001203004567, sdt 0912345678, +84987654321, mail an.nguyen@example.vn")
    assert "001203004567" not in text and "001******567" in text
    assert "0912345678" not in text and "+84987654321" not in text
    assert "an.nguyen@example.vn" not in text


def test_ordinary_numbers_are_left_alone() -> None:
    assert mask("lệ phí 200000 đồng, 15 ngày") == "lệ phí 200000 đồng, 15 ngày"


def test_numbers_written_in_groups_are_masked() -> None:
    """How citizens type them, including the bot's own example format "0912 345 678"."""
    for written in ("0912.345.678", "0912 345 678", "0912-345-678", "+84 912 345 678"):
        masked = mask(f"sdt {written} nhé")
        assert "345" not in masked and "*****678" in masked, written
    assert mask("cccd 079 188 077 665") == "cccd 079******665"


def test_old_nine_digit_cmnd_is_masked() -> None:
    assert mask("cmnd 123456789") == "cmnd 12****789"


def test_amounts_and_codes_are_left_alone() -> None:
    for text in ("phí 200.000.000 đồng", "1.200.000.000 đ", "ngày 05/07/1990", "mã HS-7M2K-QX9P"):
        assert mask(text) == text
