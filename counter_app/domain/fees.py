"""How a fee was paid: the methods the counter records, with their printed names."""

from __future__ import annotations

from enum import StrEnum

from counter_app.errors import ValidationError
from counter_app.i18n import N_, _

MAX_FEE_VND = 1_000_000_000
"""The largest fee line taken: an administrative fee is a few hundred thousand đồng; a
billion is a typing slip, and far below what the amount column and VietQR hold."""


class PaymentMethod(StrEnum):
    CASH = "cash"
    VIETQR = "vietqr"
    PORTAL = "portal"

    @property
    def label(self) -> str:
        return _(_METHOD_LABELS[self])

    @property
    def official_label(self) -> str:
        """The Vietnamese name printed on forms, whatever the interface language."""
        return _METHOD_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> PaymentMethod:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValidationError(
                _("Hình thức nộp phí không hợp lệ: {value}. Dùng cash, vietqr hoặc portal.").format(
                    value=text
                )
            ) from None


_METHOD_LABELS = {
    PaymentMethod.CASH: N_("Tiền mặt"),
    PaymentMethod.VIETQR: N_("Chuyển khoản VietQR"),
    PaymentMethod.PORTAL: N_("Thanh toán trực tuyến trên Cổng"),
}
