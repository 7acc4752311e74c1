"""The national list of dossier status codes (Cổng Dịch vụ công quốc gia)."""

from __future__ import annotations

from enum import IntEnum


class DossierStatus(IntEnum):
    NEW = 1                 # Mới đăng ký
    RECEIVED = 2            # Được tiếp nhận
    REJECTED = 3            # Không được tiếp nhận
    PROCESSING = 4          # Đang xử lý
    SUPPLEMENT = 5          # Yêu cầu bổ sung giấy tờ
    FEE_DUE = 6             # Yêu cầu thực hiện nghĩa vụ tài chính
    WITHDRAWN = 7           # Công dân yêu cầu rút hồ sơ
    STOPPED = 8             # Dừng xử lý
    DONE = 9                # Đã xử lý xong
    RETURNED = 10           # Đã trả kết quả

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[DossierStatus, str] = {
    DossierStatus.NEW: "Mới đăng ký",
    DossierStatus.RECEIVED: "Được tiếp nhận",
    DossierStatus.REJECTED: "Không được tiếp nhận",
    DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT: "Yêu cầu bổ sung giấy tờ",
    DossierStatus.FEE_DUE: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.DONE: "Đã xử lý xong",
    DossierStatus.RETURNED: "Đã trả kết quả",
}
