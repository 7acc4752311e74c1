from bot.privacy import mask


def test_cccd_phone_and_email_are_masked() -> None:
    text = mask("cccd 001203004567, sdt 0912345678, +84987654321, mail an.nguyen@example.vn")
    assert "001203004567" not in text and "001******567" in text
    assert "0912345678" not in text and "+84987654321" not in text
    assert "an.nguyen@example.vn" not in text


def test_ordinary_numbers_are_left_alone() -> None:
    assert mask("lệ phí 200000 đồng, 15 ngày") == "lệ phí 200000 đồng, 15 ngày"
