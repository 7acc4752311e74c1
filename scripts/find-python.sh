#!/usr/bin/env bash
# Print the path of a Python interpreter of the given minor version (3.10 for Rasa, 3.11 for the
# gateway), or explain how to get one and fail. Looks at PATH, then pyenv, then common places.
set -euo pipefail
want="${1:?usage: find-python.sh 3.10|3.11}"

works() { "$1" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))" 2>/dev/null; }

for candidate in "python$want" "/usr/bin/python$want" "/usr/local/bin/python$want"; do
  path="$(command -v "$candidate" 2>/dev/null || true)"
  if [ -n "$path" ] && works "$path"; then echo "$path"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E "^${want//./\\.}(\.[0-9]+)?$" | sort -rV); do
    path="$(pyenv prefix "$version")/bin/python"
    if works "$path"; then echo "$path"; exit 0; fi
  done
fi
if [ "$want" = "3.11" ] && works "$(command -v python3 || echo none)"; then command -v python3; exit 0; fi
cat >&2 <<MSG
Không tìm thấy Python $want (cần cho ${2:-dự án}).
Cài một trong các cách sau rồi chạy lại:
  - pyenv:   pyenv install $want && pyenv rehash
  - Debian/Ubuntu: apt-get install python$want python$want-venv
  - hoặc đặt biến PYTHON${want/./} trỏ tới trình thông dịch, ví dụ PYTHON${want/./}=/opt/python$want/bin/python
MSG
exit 1
