"""Validation errors in Vietnamese, for the volunteers and operators who fix the input."""

from __future__ import annotations

from typing import Any

_TEMPLATES = {
    "missing": "thiếu (bắt buộc)",
    "extra_forbidden": "trường không có trong mẫu",
    "string_type": "phải là chữ",
    "string_too_short": "quá ngắn (tối thiểu {min_length} ký tự)",
    "string_too_long": "quá dài (tối đa {max_length} ký tự)",
    "string_pattern_mismatch": "sai định dạng (mẫu {pattern})",
    "literal_error": "phải là một trong: {expected}",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "float_parsing": "phải là số",
    "float_type": "phải là số",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "bool_parsing": "phải là có/không",
    "date_parsing": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "date_from_datetime_parsing": "ngày không hợp lệ (dạng YYYY-MM-DD)",
    "list_type": "phải là danh sách",
    "too_short": "cần ít nhất {min_length} mục",
    "dict_type": "phải là một đối tượng",
    "model_type": "phải là một đối tượng",
    "model_attributes_type": "phải là một đối tượng",
    "json_invalid": "không phải JSON hợp lệ",
}


def reason(error: dict[str, Any]) -> str:
    """Vietnamese reason for one pydantic error (our own ``ValueError`` texts are kept)."""
    if error.get("type") == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    template = _TEMPLATES.get(str(error.get("type")))
    if template is None:
        return str(error.get("msg", "giá trị không hợp lệ"))
    context = {k: str(v).replace(" or ", " hoặc ") for k, v in (error.get("ctx") or {}).items()}
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template
