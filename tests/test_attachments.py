"""Files are accepted by their content, within the size limit, and stored safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation.attachments import AttachmentRejected, LocalFileStore, check_file

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 30 + b"IEND\xaeB`\x82"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.mark.parametrize(("data", "kind"), [(JPEG, "image/jpeg"), (PNG, "image/png"),
                                            (PDF, "application/pdf")])
def test_photos_and_pdf_are_recognised_by_content(data: bytes, kind: str) -> None:
    assert check_file(data, 10_000) == kind


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "trống"),
    (b"MZ\x90\x00 an exe renamed to photo.jpg", "chỉ nhận ảnh JPG, PNG hoặc tệp PDF"),
    (JPEG[:50], "hỏng"),
    (PDF + b"x" * 20_000, "lớn quá"),
])
def test_bad_files_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(AttachmentRejected, match=reason):
        check_file(data, 10_000)


def test_store_is_content_addressed_and_refuses_paths_outside_it(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "files")
    key = store.put(PDF)
    assert store.put(PDF) == key and store.get(key) == PDF
    with pytest.raises(KeyError):
        store.get("../../etc/passwd")
