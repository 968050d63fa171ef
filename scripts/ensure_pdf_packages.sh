#!/usr/bin/env bash
# The system packages the monthly report's PDF needs: Pango for WeasyPrint, a CJK font
# (Debian's fonts-noto-cjk) and, for the tests that read the PDF back, poppler-utils.
# Installs the missing ones with apt-get when it runs as root (CI, a container); otherwise
# names them. Exit status 1 when something is still missing.
set -uo pipefail

missing_packages() {
  # Read each listing whole (grep -q on a pipe would cut it short: SIGPIPE under pipefail).
  local need=() libs fonts
  libs=$(ldconfig -p 2>/dev/null)
  fonts=$(fc-list :lang=zh family 2>/dev/null)
  grep -q 'libpango-1.0.so.0' <<<"$libs" || need+=(libpango-1.0-0)
  grep -q 'libpangoft2-1.0.so.0' <<<"$libs" || need+=(libpangoft2-1.0-0)
  grep -q 'Noto Sans CJK SC' <<<"$fonts" || need+=(fonts-noto-cjk)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  echo "${need[@]}"
}

need=$(missing_packages)
if [ -n "$need" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing with apt-get for the PDF reports: $need"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $need
  need=$(missing_packages)
fi
if [ -n "$need" ]; then
  echo "The PDF of the monthly service report needs these Debian packages: $need" >&2
  echo "  (apt-get install $need)" >&2
  exit 1
fi
exit 0
